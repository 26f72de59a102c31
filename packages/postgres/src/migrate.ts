import { withRetry } from '@concord/core';
import { createPool, ident, inTransaction, pg } from './connect.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { mapPgError } from './pgErrors.js';

/** The schema holding the live projection. */
export const PROJECTION_SCHEMA = 'projection';
const LOCK_KEY = 7_461_203_001; // pg_advisory_xact_lock key: one migrator at a time

/**
 * Creates the database named in `connectionString` if it does not exist, connecting through
 * the server's `postgres` database.
 */
export async function ensureDatabase(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) return;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      database,
    ]);
    if (!rowCount) {
      try {
        await client.query(`create database ${ident(database)}`);
      } catch (error) {
        // Another process created it between our check and our create: 42P04 (duplicate
        // database) or, when both creates race inside the catalog, 23505 (unique violation).
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } catch (error) {
    throw mapPgError(error, `ensureDatabase ${database}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Brings the region database to the latest schema: creates it if needed, then applies each
 * pending migration in its own transaction under an advisory lock, so concurrent callers
 * (stack up, several services starting) are safe.
 */
export async function migrate(connectionString: string): Promise<{ applied: number[] }> {
  await withRetry(() => ensureDatabase(connectionString), { attempts: 5, initialDelayMs: 200 });
  const pool = createPool(connectionString, { max: 1, applicationName: 'concord-migrate' });
  try {
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      const ran = await inTransaction(pool, async (client) => {
        await client.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
        await client.query('create schema if not exists concord');
        await client.query(`create schema if not exists ${ident(PROJECTION_SCHEMA)}`);
        await client.query(`create table if not exists concord.migrations (
          version integer primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`);
        const { rowCount } = await client.query(
          'select 1 from concord.migrations where version = $1',
          [migration.version],
        );
        if (rowCount) return false;
        if (migration.control) await client.query(migration.control);
        if (migration.projection)
          await client.query(migration.projection(ident(PROJECTION_SCHEMA)));
        await client.query('insert into concord.migrations (version, name) values ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        return true;
      });
      if (ran) applied.push(migration.version);
    }
    return { applied };
  } finally {
    await pool.end();
  }
}

/**
 * Creates a fresh projection schema `schema` with the full, current DDL (used by replay to
 * build a new projection beside the live one).
 */
export async function createProjectionSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(`create schema ${ident(schema)}`);
  for (const migration of MIGRATIONS as readonly Migration[]) {
    if (migration.projection) await client.query(migration.projection(ident(schema)));
  }
}
