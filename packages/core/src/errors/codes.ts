/**
 * Every stable error code Concord emits. Codes are part of the public contract (HTTP bodies,
 * CLI output, DLQ headers): add new ones, never rename.
 */
export const ERROR_CODES = [
  // envelope and input validation
  'ENVELOPE_INVALID',
  'ENVELOPE_TOO_LARGE',
  'SIGNATURE_INVALID',
  'UNKNOWN_REGION',
  'VALIDATION_FAILED',
  'RESERVED_TYPE',
  // clocks
  'HLC_DRIFT_EXCEEDED',
  // write path
  'EXPECTED_HEADS_MISMATCH',
  'IDEMPOTENCY_KEY_REUSED',
  'DOMAIN_REJECTED',
  // mirror apply path: an event every region refuses (its reducer throws, Postgres cannot store it)
  'APPLY_REFUSED',
  'BACKPRESSURE',
  'REGION_FENCED',
  'BUS_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'TIMEOUT',
  // HTTP edge
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'BAD_REQUEST',
  // reconciler
  'CONFLICT_NOT_OPEN',
  'CONFLICT_NOT_MANUAL',
  'NOT_OWNER',
  // configuration and local stack
  'CONFIG_INVALID',
  'PREREQUISITE_MISSING',
  'PORT_IN_USE',
  'STACK_NOT_RUNNING',
  'STACK_START_FAILED',
  // verification (verify, chaos, demo)
  'NOT_CONVERGED',
  'CHECK_FAILED',
  // anything unexpected
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes whose failure is transient by nature: retrying the same operation later may succeed. */
const RETRIABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BACKPRESSURE',
  'BUS_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'TIMEOUT',
  'REGION_FENCED',
]);

export function isRetriableCode(code: ErrorCode): boolean {
  return RETRIABLE_BY_DEFAULT.has(code);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
