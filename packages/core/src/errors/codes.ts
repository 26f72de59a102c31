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
  /** A stored source position that is not `<topic>:<partition>@<offset>` (docs/mirror.md). */
  'SOURCE_POSITION_INVALID',
  'BACKPRESSURE',
  'REGION_FENCED',
  'BUS_UNAVAILABLE',
  /** The write may or may not be in the log (docs/decisions/0006-outcome-unknown.md). */
  'OUTCOME_UNKNOWN',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'TIMEOUT',
  // sessions (docs/writer.md, "Sessions")
  'SESSION_INVALID',
  'SESSION_NOT_CAUGHT_UP',
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
  /** A `concord.merge` that is not what the resolver computes (docs/decisions/0007). */
  'MERGE_INVALID',
  // configuration and local stack
  'CONFIG_INVALID',
  'PREREQUISITE_MISSING',
  'PORT_IN_USE',
  'STACK_NOT_RUNNING',
  'STACK_START_FAILED',
  /** A process of the stack still runs after SIGKILL: its PID file is kept. */
  'STACK_STOP_FAILED',
  // containers (docs/containers.md): a docker build, run or compose command failed
  'CONTAINER_COMMAND_FAILED',
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
  'OUTCOME_UNKNOWN',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'TIMEOUT',
  'REGION_FENCED',
  'SESSION_NOT_CAUGHT_UP',
]);

export function isRetriableCode(code: ErrorCode): boolean {
  return RETRIABLE_BY_DEFAULT.has(code);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
