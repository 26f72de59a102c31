import { ConcordError } from '../errors/ConcordError.js';

export interface RetryOptions {
  /** Attempts in total, the first included. Default 5. */
  attempts?: number;
  /** Delay before the first retry, in ms. Default 100. */
  initialDelayMs?: number;
  /** Upper bound for one delay, in ms. Default 5000. */
  maxDelayMs?: number;
  /** Multiplier between consecutive delays. Default 2. */
  factor?: number;
  /** Fraction of each delay drawn at random (0 = none, 1 = full jitter). Default 0.2. */
  jitter?: number;
  /** Decides whether an error is worth another attempt. Default: `error.retriable === true`. */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** Called before each retry (for logging). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborts waiting and further attempts. */
  signal?: AbortSignal;
  /** Injected for tests. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function defaultRetryIf(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retriable?: unknown }).retriable === true
  );
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry number `attempt` (1-based), exponential with jitter. */
export function backoffDelay(
  attempt: number,
  options: Pick<
    RetryOptions,
    'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'
  > = {},
): number {
  const { initialDelayMs = 100, maxDelayMs = 5000, factor = 2, jitter = 0.2 } = options;
  const random = options.random ?? Math.random;
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

/**
 * The one retry helper of Concord: exponential back-off with jitter, retrying only errors that
 * say they are retriable. The last error is rethrown as is (its cause chain intact).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new ConcordError('VALIDATION_FAILED', 'withRetry: attempts must be an integer ≥ 1', {
      details: { field: 'attempts', value: attempts },
    });
  }
  const retryIf = options.retryIf ?? defaultRetryIf;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !retryIf(error, attempt)) throw error;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await wait(delay, options.signal);
    }
  }
}
