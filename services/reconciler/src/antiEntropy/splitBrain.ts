/** Thresholds of the split-brain alarm (see docs/reconciler.md). */
export interface SplitBrainThresholds {
  /** Conflicts detected in this region during the last minute, at or above which to alarm. */
  readonly conflictsPerMinute: number;
  /** Confirmed divergent streams at or above which to alarm. */
  readonly divergentStreams: number;
}

export const DEFAULT_SPLIT_BRAIN_THRESHOLDS: SplitBrainThresholds = {
  conflictsPerMinute: 120,
  divergentStreams: 10,
};

/**
 * Whether to raise `concord_split_brain_suspected` (pure). Both signals mean regions accept
 * writes without seeing each other: many concurrent writes turning into conflicts, or many
 * streams that stay different after in-flight data had time to arrive. The operator decides
 * whether to fence (`concord fence <region>`); nothing is fenced automatically.
 */
export function splitBrainVerdict(
  observed: { readonly conflictsLastMinute: number; readonly divergentStreams: number },
  thresholds: SplitBrainThresholds = DEFAULT_SPLIT_BRAIN_THRESHOLDS,
): { suspected: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (observed.conflictsLastMinute >= thresholds.conflictsPerMinute) {
    reasons.push(
      `${observed.conflictsLastMinute} conflicts detected in the last minute (threshold ${thresholds.conflictsPerMinute})`,
    );
  }
  if (observed.divergentStreams >= thresholds.divergentStreams) {
    reasons.push(
      `${observed.divergentStreams} streams confirmed divergent (threshold ${thresholds.divergentStreams})`,
    );
  }
  return { suspected: reasons.length > 0, reasons };
}
