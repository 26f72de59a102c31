import {
  DEFAULT_SPLIT_BRAIN_THRESHOLDS,
  type SplitBrainThresholds,
} from './antiEntropy/splitBrain.js';

/** Knobs that are not settings of `@concord/config` (yet); every one has a default. */
export interface ReconcilerTuning {
  /**
   * Pause between two reads of the open conflicts while some are open, and the shortest gap
   * between two rounds woken by `concord_applied`, ms. Default 250.
   */
  readonly resolvePollMs: number;
  /**
   * With no conflict open, the next read of the open conflicts comes on a `concord_applied`
   * notification (a conflict only opens when events are applied) or after this many ms, the
   * fallback for notifications lost while the LISTEN connection was down. Default 5000.
   */
  readonly resolveIdleMs: number;
  /** Open conflicts handled per round. Default 500. */
  readonly resolveBatch: number;
  /** Conflicts resolved at once. Default 8. */
  readonly resolveParallelism: number;
  /** Wait for an appended merge to come back before appending it again, ms. Default 5000. */
  readonly reemitAfterMs: number;
  /** Period of the peer probes, ms. Default: failover time / 5, between 100 and 1000. */
  readonly probeIntervalMs: number | undefined;
  /** Deadline of one probe, ms. Default: the probe interval, at most 1000. */
  readonly probeTimeoutMs: number | undefined;
  /**
   * After a comparison that was not converged, the next one runs after this many ms instead of
   * the full interval (so convergence is measured closely). Default: interval / 5, at least 500.
   */
  readonly followUpMs: number | undefined;
  readonly splitBrain: SplitBrainThresholds;
}

export const DEFAULT_RECONCILER_TUNING: ReconcilerTuning = {
  resolvePollMs: 250,
  resolveIdleMs: 5000,
  resolveBatch: 500,
  resolveParallelism: 8,
  reemitAfterMs: 5000,
  probeIntervalMs: undefined,
  probeTimeoutMs: undefined,
  followUpMs: undefined,
  splitBrain: DEFAULT_SPLIT_BRAIN_THRESHOLDS,
};
