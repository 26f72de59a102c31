export { compareFoldOrder, foldOrder, type Foldable } from './foldOrder.js';
export { foldStream, type FoldStreamOptions } from './foldStream.js';
export {
  nextHeads,
  recomputeFrom,
  type FoldSnapshot,
  type RecomputeInput,
  type RecomputeResult,
} from './recomputeFrom.js';
export { stablePrefixLength } from './stablePrefixLength.js';
export { StreamProjection, type ProjectionUpdate } from './StreamProjection.js';
export { DEFAULT_CHECKPOINT_EVERY, type Checkpoint, type StreamFold } from './StreamFold.js';
export {
  foldOutcome,
  groupByStream,
  keysUsed,
  planFold,
  type FoldCandidate,
  type FoldInput,
  type FoldOutcome,
  type FoldPlan,
  type StreamFoldRow,
  type SuffixEvent,
} from './foldPlan.js';
