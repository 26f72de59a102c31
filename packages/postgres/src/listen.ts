import pg from 'pg';
import { backoffDelay, runLoop } from '@concord/core';

export interface PgListenerOptions {
  readonly connectionString: string;
  /** Channels to LISTEN on (plain identifiers: lower case letters, digits, `_`). */
  readonly channels: readonly string[];
  /** Called for every notification on one of the channels, with its payload. */
  readonly onNotify: (channel: string, payload: string) => void;
  /**
   * Called each time the listener is (re)connected and listening: notifications sent while it
   * was not are lost, so the caller re-reads whatever it waits on.
   */
  readonly onListening?: () => void;
  /** Called when the connection fails or drops (the listener reconnects with back-off). */
  readonly onError?: (error: unknown, failures: number) => void;
  readonly applicationName?: string;
}

/** A LISTEN connection that stays up; see {@link listen}. */
export interface PgListener {
  /** True while connected and listening. */
  readonly listening: boolean;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/**
 * Postgres LISTEN on a dedicated connection (a pooled one would lose its LISTEN when returned),
 * reconnected with back-off (200 ms … 10 s) whenever it fails or drops. Services wait on these
 * notifications instead of polling; because a notification sent while the connection was down
 * is lost, `onListening` fires after every (re)connect so the caller catches up, and callers
 * keep a slow fallback timer for what they must never miss (docs/architecture.md, "waiting on
 * events").
 */
export function listen(options: PgListenerOptions): PgListener {
  for (const channel of options.channels) {
    if (!CHANNEL.test(channel)) throw new Error(`invalid LISTEN channel ${channel}`);
  }
  const stop = new AbortController();
  let client: pg.Client | undefined;
  let listening = false;
  let dropped: (() => void) | undefined;

  const loop = runLoop({
    name: 'pg-listen',
    signal: stop.signal,
    onError: (error, failures) => {
      options.onError?.(error, failures);
      return backoffDelay(failures, { initialDelayMs: 200, maxDelayMs: 10_000 });
    },
    round: async (signal) => {
      const c = new pg.Client({
        connectionString: options.connectionString,
        connectionTimeoutMillis: 3000,
        keepAlive: true,
        ...(options.applicationName ? { application_name: options.applicationName } : {}),
      });
      client = c;
      const lost = new Promise<unknown>((resolve) => {
        c.on('error', resolve);
        c.on('end', () => resolve(new Error('LISTEN connection ended')));
        dropped = () => resolve(undefined);
      });
      c.on('notification', (n) => {
        if (n.channel && options.channels.includes(n.channel)) {
          options.onNotify(n.channel, n.payload ?? '');
        }
      });
      try {
        await c.connect();
        for (const channel of options.channels) await c.query(`listen ${channel}`);
      } catch (error) {
        await c.end().catch(() => undefined);
        throw error;
      }
      listening = true;
      options.onListening?.();
      const error = await lost;
      listening = false;
      await c.end().catch(() => undefined);
      if (signal.aborted) return 0;
      // It was up: reconnect soon, the back-off is for connections that cannot be made.
      options.onError?.(error ?? new Error('LISTEN connection lost'), 0);
      return 200;
    },
  });

  return {
    get listening() {
      return listening;
    },
    async close() {
      stop.abort();
      dropped?.();
      await client?.end().catch(() => undefined);
      await loop.done;
    },
  };
}
