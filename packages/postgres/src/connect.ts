import pg from 'pg';
import { ConcordError } from '@concord/core';
import { mapPgError } from './pgErrors.js';

export interface PoolOptions {
  /** Pool size. Default 10. */
  max?: number;
  /** Connect timeout in ms. Default 3000. */
  connectionTimeoutMillis?: number;
  /** Sent as application_name, visible in pg_stat_activity. */
  applicationName?: string;
  /** Per-statement timeout in ms (0 = none). Default 0. */
  statementTimeoutMs?: number;
}

/**
 * Creates a pg Pool that never crashes the process on an idle-client error (a restarted
 * server kills idle connections; the pool replaces them on the next checkout).
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3000,
    idleTimeoutMillis: 30_000,
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  pool.on('error', () => {
    // Idle client lost (server restart). Deliberately ignored: the next query reconnects.
  });
  return pool;
}

/**
 * Runs `fn` with a client of the pool, released afterwards. While the client is checked out, a
 * connection lost between two queries (server restart) is an `error` event on the client that
 * nobody else listens to — it would crash the process; here it only marks the client broken
 * (destroyed on release) and the next query fails with a retriable STORE_UNAVAILABLE.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw mapPgError(error);
  }
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (error) {
    throw mapPgError(error);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** Options of {@link inTransaction}. */
export interface TransactionOptions {
  /**
   * Take `pg_advisory_xact_lock(lock)` at the start, in the same round trip as `begin` (a
   * safe integer).
   */
  readonly lock?: number;
}

/** Runs `fn` in one transaction; maps driver errors to ConcordErrors. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const { lock } = options;
  if (lock !== undefined && !Number.isSafeInteger(lock)) {
    throw new ConcordError('VALIDATION_FAILED', 'inTransaction: lock must be a safe integer', {
      details: { field: 'lock', value: lock },
    });
  }
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw mapPgError(error);
  }
  let broken = false;
  // A connection lost between two queries is an `error` event on the checked-out client:
  // without a listener it would crash the process (see withClient).
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    // Simple protocol, two statements, one round trip.
    await client.query(
      lock === undefined ? 'begin' : `begin; select pg_advisory_xact_lock(${lock})`,
    );
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    if (!broken) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
    }
    throw mapPgError(error);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export { pg };
