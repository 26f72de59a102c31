import { describe, expect, it } from 'vitest';
import type { Queryable } from '../query.js';
import { textArrayLiteral, uuidArrayLiteral } from './literals.js';
import { saveOffsetsOps } from './offsets.js';
import { deletePendingOps } from './pending.js';
import { executeWrites } from './writeOps.js';

/** A Queryable that records what it is sent. */
function recorder() {
  const sent: { text: string; values: unknown[] | undefined }[] = [];
  const db = {
    query: async (text: string, values?: unknown[]) => {
      sent.push({ text, values });
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  return { db, sent };
}

const id = '00000000-0000-4000-8000-000000000001';

describe('executeWrites', () => {
  it('sends nothing for no write and no notification', async () => {
    const { db, sent } = recorder();
    await executeWrites(db, []);
    expect(sent).toEqual([]);
  });

  it('sends one write as its own statement, numbering its parameters', async () => {
    const { db, sent } = recorder();
    await executeWrites(db, deletePendingOps('"projection"', [id]));
    expect(sent).toEqual([
      { text: `delete from "projection".pending where id = any($1::uuid[])`, values: [[id]] },
    ]);
  });

  it('sends several writes and the notification as one statement of data-modifying CTEs', async () => {
    const { db, sent } = recorder();
    const ops = [
      ...deletePendingOps('"projection"', [id]),
      ...saveOffsetsOps('"projection"', [{ topic: 't', partition: 0, next: 5n }]),
    ];
    await executeWrites(db, ops, 'payload');
    expect(sent).toHaveLength(1);
    const { text, values } = sent[0]!;
    expect(text.startsWith('with w0 as (delete from "projection".pending')).toBe(true);
    expect(text).toContain(',\nw1 as (insert into "projection".source_offsets');
    expect(text.endsWith('\nselect pg_notify($5, $6)')).toBe(true);
    expect(values).toEqual([[id], ['t'], [0], ['5'], 'concord_applied', 'payload']);
  });

  it('sends the notification alone when there is no write', async () => {
    const { db, sent } = recorder();
    await executeWrites(db, [], 'p');
    expect(sent).toEqual([{ text: 'select pg_notify($1, $2)', values: ['concord_applied', 'p'] }]);
  });

  it('builds no write for empty input', () => {
    expect(saveOffsetsOps('"projection"', [])).toEqual([]);
    expect(deletePendingOps('"projection"', [])).toEqual([]);
  });
});

describe('array literals', () => {
  it('quotes and escapes text elements; joins uuids', () => {
    expect(textArrayLiteral(['a', 'b"c', 'd\\e'])).toBe('{"a","b\\"c","d\\\\e"}');
    expect(uuidArrayLiteral([id, id])).toBe(`{${id},${id}}`);
    expect(uuidArrayLiteral([])).toBe('{}');
  });
});
