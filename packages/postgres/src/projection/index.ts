/**
 * The projection schema's SQL, one module per table family (docs/architecture.md, "Where
 * things live"). Services compose these; none writes SQL on the projection schema itself.
 */
export {
  conflictAndHeads,
  conflictById,
  conflictRate,
  conflictsDetectedWithin,
  listConflicts,
  openConflictCount,
  openConflicts,
  type ConflictRow,
} from './conflicts.js';
export {
  changeCount,
  envelopesByStream,
  eventCount,
  readOnlySnapshot,
  storedStates,
  streamDigestRows,
  streamSummaries,
  type StreamDigestRow,
  type StreamSummaryRow,
} from './digests.js';
export {
  appliedAmong,
  envelopesOf,
  lastWriteAt,
  streamEventIds,
  streamEvents,
  type StoredEvent,
  type StreamEventIds,
} from './events.js';
export { query, type Queryable } from './query.js';
export { lagByOrigin, pendingSummary, projectionReady } from './regionStatus.js';
export { FENCE_CHANNEL, readFence, writeFence, type FenceRow } from './fence.js';
export { readSnapshots, type SnapshotRequest, type SnapshotRow } from './snapshots.js';
export { appliedPositions, type AppliedPositionQuery } from './sessionReads.js';
export {
  readEventsPage,
  readStreamView,
  readStreamViews,
  type StreamConflictRow,
  type StreamRow,
} from './streamReads.js';
export * from './mirror/index.js';
