/**
 * @concord/reconciler — resolves the conflicts of the streams its region owns, compares
 * convergence digests across regions and repairs divergence (docs/semantics.md §5, docs/reconciler.md §4). See
 * docs/reconciler.md.
 */
export {
  DEFAULT_RECONCILER_TUNING,
  startReconciler,
  type ReconcilerTuning,
  type RunningReconciler,
  type StartReconcilerOptions,
} from './startReconciler.js';
export type { ConvergenceReport, RegionComparison } from './antiEntropy/ConvergenceReport.js';
export type { RegionStatus } from './http/regionStatus.js';
export { classifyMissing, MISSING_STATUS, parseSource } from './antiEntropy/classifyMissing.js';
export type { MissingEvent, MissingStatus, StreamEventIds } from './antiEntropy/classifyMissing.js';
export { ConvergenceClock } from './antiEntropy/ConvergenceClock.js';
export { DivergenceTracker, type DivergenceCandidate } from './antiEntropy/DivergenceTracker.js';
export {
  LocalDigests,
  PROJECTION_PROBLEMS,
  type DigestSnapshot,
  type ProjectionProblem,
} from './antiEntropy/LocalDigests.js';
export type { RepairSink } from './antiEntropy/RepairSink.js';
export {
  DEFAULT_SPLIT_BRAIN_THRESHOLDS,
  splitBrainVerdict,
  StallWatch,
  type SplitBrainThresholds,
} from './antiEntropy/splitBrain.js';
export {
  planResolution,
  type OpenConflictRow,
  type ResolutionPlan,
} from './conflicts/planResolution.js';
export { StreamBackoff } from './conflicts/StreamBackoff.js';
export { Reachability, type PeerReachability } from './ownership/Reachability.js';
export { responsibility, type Responsibility } from './ownership/responsibility.js';
export type {
  DigestIdsResponse,
  DigestRollupsResponse,
  DigestStreamsResponse,
  EventsResponse,
} from './http/wire.js';
