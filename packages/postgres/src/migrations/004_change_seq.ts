import type { Migration } from './Migration.js';

/**
 * `change_seq`: a sequence every statement that writes the tables anti-entropy reads bumps
 * (a statement trigger, whoever writes: the mirror, a recompute, a hand edit). The reconciler
 * reads it before each digest round and skips the round's full read when nothing changed
 * (docs/reconciler.md, "What a region's digest is"). A sequence, not a counter row: no row
 * lock between concurrent writers, and a rolled-back write only costs one extra round.
 */
export const changeSeq: Migration = {
  version: 4,
  name: 'change_seq',
  projection: (s) => `
    create sequence ${s}.change_seq;
    create function ${s}.note_change() returns trigger language plpgsql as $$
      begin
        -- By the table's schema at run time: replay renames schemas (replaySwap.ts).
        perform nextval(format('%I.change_seq', tg_table_schema)::regclass);
        return null;
      end $$;
    ${['events', 'streams', 'digest_buckets', 'source_offsets', 'pending', 'conflicts']
      .map(
        (t) => `create trigger ${t}_changed after insert or update or delete or truncate
          on ${s}.${t} for each statement execute function ${s}.note_change();`,
      )
      .join('\n    ')}
  `,
};
