/**
 * What a failed apply transaction means for the records in it (docs/mirror.md, "Bad records").
 * Pure: reads the SQLSTATE and the constraint of a pg error (or of the cause of the
 * ConcordError `mapPgError` made of it).
 *
 * - `record`: the failure follows from the data of some record in the transaction and comes
 *   back on every attempt, in every region — data exceptions (class 22: a value Postgres cannot
 *   store or convert), integrity violations (class 23) other than the dedupe keys, program
 *   limits (class 54: a value too large). Retrying cannot help: isolate the record.
 * - `transient`: the server or the connection, not the data — connection exceptions (08),
 *   serialization failures and deadlocks (40001, 40P01), lock timeouts (55P03), operator
 *   intervention (57P), insufficient resources (53), a socket error, or a unique violation on a
 *   dedupe key (another transaction stored the same event first: the next attempt dedupes it).
 *   Retry the transaction.
 * - `unknown`: anything else (an SQL error of the code itself, an internal error): not a
 *   record's fault, so nothing is isolated; retried, and logged as an error.
 */
export type ApplyErrorClass = 'record' | 'transient' | 'unknown';

export interface ApplyErrorInfo {
  readonly kind: ApplyErrorClass;
  /** The SQLSTATE (or Node socket error code), when there is one. */
  readonly sqlstate?: string;
  /** The violated constraint, for class 23. */
  readonly constraint?: string;
}

/** Unique constraints that dedupe events (a violation is a lost race, not a bad record). */
export const DEDUPE_CONSTRAINTS: ReadonlySet<string> = new Set([
  'events_pkey',
  'pending_pkey',
  'events_applied_seq_key',
]);

const RECORD_CLASSES = ['22', '23', '54'];
const TRANSIENT_PREFIXES = ['08', '40001', '40P01', '55P03', '57P', '53', '3D000'];
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface PgLike {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly details?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
}

/** The first SQLSTATE and constraint along the error's cause chain. */
function sqlErrorOf(error: unknown): { sqlstate?: string; constraint?: string } {
  let sqlstate: string | undefined;
  let constraint: string | undefined;
  let e = error as PgLike | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const details = e.details as { sqlstate?: unknown } | undefined;
    if (typeof details?.sqlstate === 'string') sqlstate ??= details.sqlstate;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$|^E[A-Z_]+$/.test(e.code)) sqlstate ??= e.code;
    if (typeof e.constraint === 'string') constraint ??= e.constraint;
    e = e.cause as PgLike | undefined;
  }
  return {
    ...(sqlstate === undefined ? {} : { sqlstate }),
    ...(constraint === undefined ? {} : { constraint }),
  };
}

/** Classifies the error of a failed apply transaction (see {@link ApplyErrorClass}). */
export function classifyApplyError(error: unknown): ApplyErrorInfo {
  const { sqlstate, constraint } = sqlErrorOf(error);
  const info = (kind: ApplyErrorClass): ApplyErrorInfo => ({
    kind,
    ...(sqlstate === undefined ? {} : { sqlstate }),
    ...(constraint === undefined ? {} : { constraint }),
  });
  if (sqlstate !== undefined) {
    if (SOCKET_ERRORS.has(sqlstate)) return info('transient');
    if (TRANSIENT_PREFIXES.some((p) => sqlstate.startsWith(p))) return info('transient');
    if (sqlstate === '23505' && constraint !== undefined && DEDUPE_CONSTRAINTS.has(constraint)) {
      return info('transient');
    }
    if (RECORD_CLASSES.includes(sqlstate.slice(0, 2))) return info('record');
    return info('unknown');
  }
  // No SQLSTATE: a ConcordError that says it is worth retrying (STORE_UNAVAILABLE for a lost
  // connection) is transient; anything else is unknown.
  const e = error as PgLike | undefined;
  return info(e?.retriable === true ? 'transient' : 'unknown');
}
