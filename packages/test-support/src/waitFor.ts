import { withRetry } from '@concord/core';

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined/false, or
 * fails after `timeoutMs` with `message` (and the last error as cause).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 100, message = 'condition not met' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  try {
    return await withRetry(
      async () => {
        const value = await check();
        if (value === undefined || value === false) throw new Error(message);
        return value;
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        initialDelayMs: intervalMs,
        maxDelayMs: intervalMs,
        factor: 1,
        jitter: 0,
        retryIf: () => Date.now() < deadline,
      },
    );
  } catch (error) {
    throw new Error(`${message} within ${timeoutMs} ms`, { cause: error });
  }
}
