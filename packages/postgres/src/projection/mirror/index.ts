/**
 * The mirror's SQL on one projection schema (`projection`, or `projection_next` while replay
 * builds it), one module per table family, and the ApplyStore port it implements
 * (docs/architecture.md, "Where things live"; docs/mirror.md). Each function takes a
 * `Queryable` and `s`, the quoted schema; a `…Ops` function returns the {@link WriteOp}s of a
 * write, which `executeWrites` sends (several as one statement).
 */
export {
  APPLIED_CHANNEL,
  type AppliedRef,
  type ApplyStore,
  type ConflictInsert,
  type DlqInsert,
  type EventInsert,
  type HeldKind,
  type PendingInsert,
  type PendingRow,
  type PrefetchHint,
  type StreamStateRow,
  type SuffixEvent,
  type WriteOp,
} from './applyStore.js';
export {
  closeConflicts,
  foldedEvents,
  insertConflicts,
  openConflictsOf,
} from './conflictWrites.js';
export { bucketRows, nonEmptyBuckets, upsertBucketsOps } from './digestBuckets.js';
export { appliedRefs, checkpointsAtOrBefore, suffixes, takenKeys } from './foldEvents.js';
export { heldKinds, heldRows } from './heldEvents.js';
export { insertEvents, moveEvents, replaceCheckpoints } from './insertEvents.js';
export { textArrayLiteral, uuidArrayLiteral } from './literals.js';
export { generation, lockAndGeneration, takeXactLock } from './mirrorState.js';
export { outboxStatusRow, overduePendingRows, pendingHeadRow } from './mirrorStatus.js';
export {
  deleteDlqRows,
  dlqOutboxRows,
  feedRowsAfter,
  insertDlqOps,
  lockFeedPosition,
  savePublishedSeq,
  type DlqOutboxRow,
  type FeedRow,
} from './outboxes.js';
export { allOffsets, saveOffsetsOps, storedOffsets } from './offsets.js';
export {
  deletePendingOps,
  insertPendingOps,
  pendingAmongOrWaitingOn,
  pendingReady,
  pendingWaitingOn,
  updatePendingMissingOps,
} from './pending.js';
export { prefetchRows, type Prefetched } from './prefetch.js';
export {
  copyFeedPositions,
  copyPending,
  copySourceOffsets,
  feedPositionFromLive,
  resumeAppliedSeq,
  sourceOffsetRows,
  storedEventsAfter,
  type ReplayEventRow,
} from './replayCopy.js';
export {
  clearConflicts,
  copyConflictHistory,
  copyDlqOutbox,
  dropSchema,
  keepDetectedAt,
  multiHeadStreams,
  renameSchema,
  setRebuiltGeneration,
} from './replaySwap.js';
export { deleteStreams, streamRows, upsertStreamsOps } from './streamState.js';
export { executeWrites } from './writeOps.js';
