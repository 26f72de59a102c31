/**
 * The projection schema's SQL, one module per table family (docs/architecture.md, "Where the
 * SQL lives"). Services compose these; none writes SQL on the projection schema itself.
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
  appliedAmong,
  envelopesOf,
  lastWriteAt,
  streamEventIds,
  streamEvents,
  type StoredEvent,
  type StreamEventIds,
} from './events.js';
export { query, type Queryable } from './query.js';
export { lagByOrigin, pendingSummary, projectionReady, storedFence } from './regionStatus.js';
