/**
 * @concord/postgres — the Postgres adapter: connections, SQLSTATE mapping, migrations and the
 * regional projection's schema.
 */
export { createPool, ident, inTransaction, pg, withClient, type PoolOptions } from './connect.js';
export { listen, type PgListener, type PgListenerOptions } from './listen.js';
export { bindToLog, type LogBindingOutcome } from './logBinding.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export { createProjectionSchema, ensureDatabase, migrate, PROJECTION_SCHEMA } from './migrate.js';
export { mapPgError } from './pgErrors.js';
export * from './projection/index.js';
export * from './reconciler/index.js';
export {
  classifyApplyError,
  DEDUPE_CONSTRAINTS,
  type ApplyErrorClass,
  type ApplyErrorInfo,
} from './applyErrors.js';
