/**
 * Codes this client raises itself; every other code is the server's (docs/writer.md, section 1),
 * passed through as sent.
 */
export const CLIENT_ERROR_CODES = [
  /** No region answered before the deadline (the last cause is attached). */
  'DEADLINE_EXCEEDED',
  /** Connection refused, reset, DNS, or the attempt's own timeout. */
  'NETWORK_ERROR',
  /** The server answered something that is not Concord's JSON. */
  'BAD_RESPONSE',
  /** Invalid client options or arguments. */
  'CLIENT_INVALID',
  /** consumeApplied met a malformed applied-feed record with `onInvalid: 'stop'` (docs/client.md). */
  'APPLIED_RECORD_INVALID',
  /** consumeApplied's handler threw: its transaction was rolled back, the checkpoint not moved. */
  'APPLIED_HANDLER_FAILED',
  /** consumeApplied's checkpoint is before the feed's first record: retention removed unread records. */
  'APPLIED_FEED_GAP',
  /** consumeApplied's Kafka consumer or checkpoint store failed (the cause is attached). */
  'APPLIED_CONSUMER_FAILED',
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Server codes after which the same request, with the same idempotency key, may succeed. */
const RETRIABLE_CODES: ReadonlySet<string> = new Set([
  'BACKPRESSURE',
  'BUS_UNAVAILABLE',
  'OUTCOME_UNKNOWN',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'TIMEOUT',
  'REGION_FENCED',
  'SESSION_NOT_CAUGHT_UP',
  'NETWORK_ERROR',
]);

/**
 * Server codes that say "this region cannot take the request now, another might": the client
 * marks the region unhealthy and fails over at once instead of waiting for its Retry-After.
 */
const REGION_DOWN_CODES: ReadonlySet<string> = new Set([
  'NETWORK_ERROR',
  'REGION_FENCED',
  'BUS_UNAVAILABLE',
  'OUTCOME_UNKNOWN',
  'STORE_UNAVAILABLE',
]);

export interface ConcordClientErrorOptions {
  readonly status?: number | undefined;
  readonly region?: string | undefined;
  readonly details?: Record<string, unknown> | undefined;
  /** Seconds, from the server's Retry-After header. */
  readonly retryAfterS?: number | undefined;
  readonly cause?: unknown;
}

/**
 * The one error of `@concord/client`: the server's stable code (or a client code), the HTTP
 * status, the region that answered, and whether retrying can help.
 */
export class ConcordClientError extends Error {
  override readonly name = 'ConcordClientError';
  readonly code: string;
  readonly status: number | undefined;
  readonly region: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterS: number | undefined;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: ConcordClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.region = options.region;
    this.details = options.details;
    this.retryAfterS = options.retryAfterS;
    this.retriable = RETRIABLE_CODES.has(code);
  }

  /** True when another region may take what this one refused (failover). */
  get regionDown(): boolean {
    return REGION_DOWN_CODES.has(this.code);
  }
}

export function isConcordClientError(error: unknown, code?: string): error is ConcordClientError {
  return error instanceof ConcordClientError && (code === undefined || error.code === code);
}
