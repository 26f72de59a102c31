import { ConcordError, type ErrorCode } from '@concord/core';

/**
 * SQLSTATE classes and Node socket errors mapped to Concord codes. Anything that means "the
 * server is not there right now" is STORE_UNAVAILABLE and retriable; the rest is INTERNAL.
 */
const SQLSTATE_CLASSES: ReadonlyArray<
  readonly [prefix: string, code: ErrorCode, retriable: boolean]
> = [
  ['08', 'STORE_UNAVAILABLE', true], // connection exception
  ['3D000', 'STORE_UNAVAILABLE', true], // database does not exist (yet: created by migrate)
  ['53', 'STORE_UNAVAILABLE', true], // insufficient resources (too many connections, disk full)
  ['57P', 'STORE_UNAVAILABLE', true], // operator intervention: admin shutdown, crash shutdown, cannot connect now
  ['40001', 'STORE_UNAVAILABLE', true], // serialization failure
  ['40P01', 'STORE_UNAVAILABLE', true], // deadlock detected
  ['55P03', 'STORE_UNAVAILABLE', true], // lock not available
];

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'terminating connection',
  'the database system is',
];

/** Maps a pg/socket error to a ConcordError, keeping the original as cause. */
export function mapPgError(error: unknown, context = 'postgres'): ConcordError {
  if (error instanceof ConcordError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (code !== undefined) {
    if (SOCKET_ERRORS.has(code)) {
      return new ConcordError('STORE_UNAVAILABLE', `${context}: ${message}`, {
        cause: error,
        details: { sqlstate: code },
      });
    }
    for (const [prefix, mapped, retriable] of SQLSTATE_CLASSES) {
      if (code.startsWith(prefix)) {
        return new ConcordError(mapped, `${context}: ${message}`, {
          cause: error,
          retriable,
          details: { sqlstate: code },
        });
      }
    }
  }
  if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
    return new ConcordError('STORE_UNAVAILABLE', `${context}: ${message}`, { cause: error });
  }
  return new ConcordError('INTERNAL', `${context}: ${message}`, {
    cause: error,
    retriable: false,
    ...(code === undefined ? {} : { details: { sqlstate: code } }),
  });
}
