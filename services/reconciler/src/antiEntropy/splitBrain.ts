import type { RegionId } from '@concord/core';
import { MISSING_STATUS, type MissingEvent } from './classifyMissing.js';

/** Thresholds of the split-brain alarm (see docs/reconciler.md). */
export interface SplitBrainThresholds {
  /** Conflicts detected in this region during the last minute, at or above which to alarm. */
  readonly conflictsPerMinute: number;
  /**
   * A spike: at least `conflictSpikeFloor` conflicts in the last minute and `conflictSpikeFactor`
   * times the average minute of the hour before — judged once there is such an hour to compare
   * with (`baselinePerMinute` known).
   */
  readonly conflictSpikeFactor: number;
  readonly conflictSpikeFloor: number;
  /** Confirmed divergent streams at or above which to alarm. */
  readonly divergentStreams: number;
  /**
   * How long an event may stay undelivered (held by one region, not yet consumed by another)
   * before the pair counts as cut off, ms. Two regions each holding events the other has not
   * received for this long are writing without seeing each other.
   */
  readonly stalledMs: number;
}

export const DEFAULT_SPLIT_BRAIN_THRESHOLDS: SplitBrainThresholds = {
  conflictsPerMinute: 1200,
  conflictSpikeFactor: 5,
  conflictSpikeFloor: 300,
  divergentStreams: 10,
  stalledMs: 30_000,
};

/**
 * Watches events that are missing somewhere but not lost (in flight or unknown), and names the
 * region pairs that are cut off from each other in both directions (pure; time passed in).
 */
export class StallWatch {
  private since = new Map<string, number>();

  /** Feeds one comparison's missing events; returns the pairs `a<->b` stalled both ways. */
  observe(now: number, missing: readonly MissingEvent[], stalledMs: number): string[] {
    const next = new Map<string, number>();
    const stalled = new Set<string>();
    for (const m of missing) {
      if (m.status !== MISSING_STATUS.inFlight && m.status !== MISSING_STATUS.unknown) continue;
      const key = `${m.region}:${m.id}`;
      const first = this.since.get(key) ?? now;
      next.set(key, first);
      if (now - first >= stalledMs) for (const h of m.holders) stalled.add(`${m.region}<-${h}`);
    }
    this.since = next;
    const pairs = new Set<string>();
    for (const edge of stalled) {
      const [a, b] = edge.split('<-') as [RegionId, RegionId];
      if (stalled.has(`${b}<-${a}`)) pairs.add(a < b ? `${a}<->${b}` : `${b}<->${a}`);
    }
    return [...pairs].sort();
  }
}

/**
 * Whether to raise `concord_split_brain_suspected` (pure). Each signal means regions accept
 * writes without seeing each other: two regions each holding events the other has not
 * received for `stalledMs`; a burst of concurrent writes turning into conflicts (above an
 * absolute rate, or a spike over the last hour's rate — a busy workload on shared streams has
 * a steady conflict rate of its own); many streams that stay different after in-flight data
 * had time to arrive. The operator decides whether to
 * fence (`concord fence <region>`); nothing is fenced automatically.
 */
export function splitBrainVerdict(
  observed: {
    readonly conflictsLastMinute: number;
    /** Average conflicts per minute over the hour before the last minute, when known. */
    readonly conflictsBaselinePerMinute?: number | undefined;
    readonly divergentStreams: number;
    readonly stalledPairs?: readonly string[];
  },
  thresholds: SplitBrainThresholds = DEFAULT_SPLIT_BRAIN_THRESHOLDS,
): { suspected: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const pair of observed.stalledPairs ?? []) {
    reasons.push(
      `${pair}: each holds events the other has not received for ${Math.round(thresholds.stalledMs / 1000)} s`,
    );
  }
  const baseline = observed.conflictsBaselinePerMinute;
  if (observed.conflictsLastMinute >= thresholds.conflictsPerMinute) {
    reasons.push(
      `${observed.conflictsLastMinute} conflicts detected in the last minute (threshold ${thresholds.conflictsPerMinute})`,
    );
  } else if (
    baseline !== undefined &&
    observed.conflictsLastMinute >= thresholds.conflictSpikeFloor &&
    observed.conflictsLastMinute >= thresholds.conflictSpikeFactor * baseline
  ) {
    reasons.push(
      `${observed.conflictsLastMinute} conflicts detected in the last minute, ${thresholds.conflictSpikeFactor}× or more the last hour's ${baseline.toFixed(1)}/min`,
    );
  }
  if (observed.divergentStreams >= thresholds.divergentStreams) {
    reasons.push(
      `${observed.divergentStreams} streams confirmed divergent (threshold ${thresholds.divergentStreams})`,
    );
  }
  return { suspected: reasons.length > 0, reasons };
}
