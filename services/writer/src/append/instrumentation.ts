import { ConcordError } from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import type { AppendResult } from './appendTypes.js';

/** Outcome label of `concord_append_duration_seconds`. */
export type AppendOutcome = 'created' | 'duplicate' | 'rejected' | 'unavailable' | 'error';

export function outcomeOf(error: unknown): AppendOutcome {
  if (!(error instanceof ConcordError)) return 'error';
  switch (error.code) {
    case 'BUS_UNAVAILABLE':
    case 'OUTCOME_UNKNOWN':
    case 'STORE_UNAVAILABLE':
    case 'CACHE_UNAVAILABLE':
    case 'REGION_FENCED':
    case 'TIMEOUT':
      return 'unavailable';
    case 'INTERNAL':
    case 'CONFIG_INVALID':
      return 'error';
    default:
      return 'rejected';
  }
}

/**
 * The one instrumentation wrapper of the append path (docs/writer.md §9): runs an append or a
 * merge, observes `concord_append_duration_seconds{outcome}` whatever happens, and hands a
 * failure with its outcome label to `failed` (the caller's log line) before rethrowing it.
 * `run` gets the elapsed milliseconds so far, for its own success log line.
 *
 * Durations are measured with the monotonic `performance.now()`, not the injected physical
 * clock: they are intervals, never compared with timestamps.
 */
export async function instrumented(
  metrics: Metrics,
  run: (elapsedMs: () => number) => Promise<AppendResult>,
  failed: (error: unknown, outcome: AppendOutcome) => void,
): Promise<AppendResult> {
  const started = performance.now();
  const elapsedMs = () => performance.now() - started;
  let outcome: AppendOutcome = 'error';
  try {
    const result = await run(elapsedMs);
    outcome = result.duplicate ? 'duplicate' : 'created';
    return result;
  } catch (error) {
    outcome = outcomeOf(error);
    failed(error, outcome);
    throw error;
  } finally {
    metrics.appendDuration.observe({ outcome }, elapsedMs() / 1000);
  }
}

/** The log line of a refused append: warn when a dependency is down, error for a bug. */
export function logAppendFailure(logger: Logger, error: unknown, outcome: AppendOutcome): void {
  if (outcome === 'unavailable') {
    logger.warn({ err: error }, 'append refused: dependency unavailable');
  } else if (outcome === 'error') {
    logger.error({ err: error }, 'append failed');
  } else {
    logger.debug({ code: (error as ConcordError).code }, 'append rejected');
  }
}
