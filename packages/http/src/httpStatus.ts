import type { ErrorCode } from '@concord/core';

/**
 * The one mapping from Concord error codes to HTTP statuses (the domain never knows HTTP).
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  ENVELOPE_INVALID: 400,
  ENVELOPE_TOO_LARGE: 413,
  SIGNATURE_INVALID: 400,
  UNKNOWN_REGION: 400,
  VALIDATION_FAILED: 400,
  RESERVED_TYPE: 400,
  HLC_DRIFT_EXCEEDED: 400,
  EXPECTED_HEADS_MISMATCH: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  DOMAIN_REJECTED: 422,
  APPLY_REFUSED: 422,
  SOURCE_POSITION_INVALID: 500,
  BACKPRESSURE: 429,
  REGION_FENCED: 503,
  BUS_UNAVAILABLE: 503,
  OUTCOME_UNKNOWN: 503,
  STORE_UNAVAILABLE: 503,
  CACHE_UNAVAILABLE: 503,
  TIMEOUT: 503,
  SESSION_INVALID: 400,
  SESSION_NOT_CAUGHT_UP: 503,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_REQUEST: 400,
  CONFLICT_NOT_OPEN: 409,
  CONFLICT_NOT_MANUAL: 409,
  NOT_OWNER: 421,
  MERGE_INVALID: 422,
  CONFIG_INVALID: 500,
  PREREQUISITE_MISSING: 500,
  PORT_IN_USE: 500,
  STACK_NOT_RUNNING: 500,
  STACK_START_FAILED: 500,
  STACK_STOP_FAILED: 500,
  CONTAINER_COMMAND_FAILED: 500,
  NOT_CONVERGED: 409,
  CHECK_FAILED: 500,
  INTERNAL: 500,
};

/** Seconds a client should wait before retrying, for statuses that invite a retry. */
export function retryAfterSeconds(code: ErrorCode): number | undefined {
  switch (code) {
    case 'BACKPRESSURE':
    case 'SESSION_NOT_CAUGHT_UP':
      return 1;
    case 'REGION_FENCED':
      return 30;
    case 'BUS_UNAVAILABLE':
    case 'OUTCOME_UNKNOWN':
    case 'STORE_UNAVAILABLE':
    case 'CACHE_UNAVAILABLE':
    case 'TIMEOUT':
      return 2;
    default:
      return undefined;
  }
}
