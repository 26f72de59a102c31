export {
  analyzeConflict,
  causalPast,
  detectConflict,
  type StreamInput,
} from './analyzeConflict.js';
export {
  buildManualMerge,
  buildMerge,
  type BuildMergeInput,
  type MergeProposal,
} from './buildMerge.js';
export type { Conflict } from './Conflict.js';
export {
  conflictChanges,
  firstCovering,
  type ConflictChanges,
  type ConflictClosing,
  type OpenConflict,
} from './conflictLifecycle.js';
export {
  storedConflictRecord,
  toConflictRecord,
  type ConflictDetails,
  type ConflictRecord,
  type StoredStream,
} from './conflictRecord.js';
export { failoverOrder, ownerRegion, responsibleRegion, streamOwnershipHash } from './ownership.js';
export {
  derivedMergeId,
  MERGE_INVALID_DETAILS,
  validateMerge,
  type MergeInvalidDetail,
  type MergeVerdict,
  type ValidateMergeInput,
} from './validateMerge.js';
