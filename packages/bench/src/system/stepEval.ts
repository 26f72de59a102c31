/**
 * The pure decisions of `concord bench system`'s open loop: whether a rate step held, the
 * sustained maximum, and CPU per replicated write above idle (docs/performance.md).
 */

/** What one open-loop step measured, all regions together. */
export interface StepFigures {
  /** Target appends/s per region. */
  readonly ratePerRegion: number;
  /** Acknowledged appends/s, all regions together. */
  readonly ackedPerSecond: number;
  /** Appends sent in the step, and those that failed (any error or time-out). */
  readonly sent: number;
  readonly errors: number;
  /** Acknowledged writes not applied in some other region when the step was read. */
  readonly unreplicated: number;
  /** Highest replication lag p99 over every region pair, ms. */
  readonly worstLagP99Ms: number;
  /** Append (acknowledgement) latency p99 of the step, ms. */
  readonly appendP99Ms: number;
}

export interface StepLimits {
  /** Lag p99 (ms) above which a step did not hold. Default 1 000. */
  readonly maxLagP99Ms: number;
  /**
   * Append p99 (ms) above which a step did not hold: an open loop whose acknowledgements take
   * longer is queueing, not sustaining the rate. Default 1 000.
   */
  readonly maxAppendP99Ms: number;
  /** Share of the target rate that must be acknowledged. Default 0.9. */
  readonly minAckedShare: number;
  readonly regions: number;
}

export type StepVerdict =
  | { readonly held: true }
  | {
      readonly held: false;
      readonly reason: 'errors' | 'lag' | 'latency' | 'rate' | 'unreplicated';
    };

/**
 * A step holds with no errors, every write replicated, lag p99 and append p99 within their
 * limits, and the rate reached.
 */
export function evaluateStep(step: StepFigures, limits: StepLimits): StepVerdict {
  if (step.errors > 0) return { held: false, reason: 'errors' };
  if (step.unreplicated > 0) return { held: false, reason: 'unreplicated' };
  if (!(step.worstLagP99Ms <= limits.maxLagP99Ms)) return { held: false, reason: 'lag' };
  if (!(step.appendP99Ms <= limits.maxAppendP99Ms)) return { held: false, reason: 'latency' };
  const target = step.ratePerRegion * limits.regions;
  if (step.ackedPerSecond < target * limits.minAckedShare) return { held: false, reason: 'rate' };
  return { held: true };
}

/**
 * The sustained maximum: the last step that held before the first that did not (steps run in
 * increasing rate; the run stops at the first failure). Undefined when none held.
 */
export function sustainedMax<S extends { readonly verdict: StepVerdict }>(
  steps: readonly S[],
): S | undefined {
  let last: S | undefined;
  for (const s of steps) {
    if (!s.verdict.held) break;
    last = s;
  }
  return last;
}

/**
 * CPU-ms each replicated write cost above idle: (CPU-ms spent in the step − idle cores × the
 * step's wall time) / acknowledged writes. Never negative; undefined with no writes.
 */
export function cpuMsPerWrite(
  cpuMs: number,
  idleCores: number,
  wallSeconds: number,
  writes: number,
): number | undefined {
  if (writes <= 0) return undefined;
  return Math.max(0, cpuMs - idleCores * wallSeconds * 1000) / writes;
}

/** Rates per region of the steps: `from`, doubling up to `max` (e.g. 50, 100, 200, 400, …). */
export function stepRates(from: number, max: number, factor = 2): number[] {
  if (!(from > 0) || !(factor > 1)) throw new Error('step rates need from > 0 and factor > 1');
  const rates: number[] = [];
  for (let r = from; r <= max; r *= factor) rates.push(Math.round(r));
  return rates;
}
