import { describe, expect, it } from 'vitest';
import { listen, pg } from './index.js';

const url = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const channel = `concord_listen_${process.pid}`;

/** Resolves once `ok()` holds (checked every 20 ms); fails with `message` after `timeoutMs`. */
async function waitFor(
  ok: () => boolean,
  { timeoutMs = 5000, message }: { timeoutMs?: number; message: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sql(text: string, values: unknown[] = []): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

describe('listen', () => {
  it('delivers notifications at commit, survives a killed connection and says when it is back', async () => {
    const got: string[] = [];
    let listening = 0;
    const errors: unknown[] = [];
    const appName = `concord-listen-test-${process.pid}`;
    const listener = listen({
      connectionString: url,
      channels: [channel],
      applicationName: appName,
      onNotify: (_channel, payload) => got.push(payload),
      onListening: () => listening++,
      onError: (error) => errors.push(error),
    });
    try {
      await waitFor(() => listener.listening, { message: 'listening' });
      expect(listening).toBe(1);

      // Delivered at commit, not before; a rolled-back notify is never delivered.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('begin');
      await c.query('select pg_notify($1, $2)', [channel, 'in-tx']);
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toEqual([]);
      await c.query('commit');
      await c.query('begin');
      await c.query('select pg_notify($1, $2)', [channel, 'rolled-back']);
      await c.query('rollback');
      await c.end();
      await sql('select pg_notify($1, $2)', [channel, 'plain']);
      await waitFor(() => got.length === 2, { message: 'two notifications' });
      expect(got).toEqual(['in-tx', 'plain']);

      // The server kills the connection: the listener reconnects and tells its caller.
      await sql(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [appName],
      );
      await waitFor(() => listening === 2 && listener.listening, {
        timeoutMs: 15_000,
        message: 'listening again',
      });
      expect(errors.length).toBeGreaterThanOrEqual(1);
      await sql('select pg_notify($1, $2)', [channel, 'after']);
      await waitFor(() => got.includes('after'), { message: 'notification after reconnect' });
    } finally {
      await listener.close();
    }
    expect(listener.listening).toBe(false);
    const left = await sql(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [appName],
    );
    expect(left).toEqual([{ n: 0 }]);
  });

  it('refuses a channel that is not a plain identifier', () => {
    expect(() =>
      listen({ connectionString: url, channels: ['x; drop table y'], onNotify: () => undefined }),
    ).toThrow(/invalid LISTEN channel/);
  });
});
