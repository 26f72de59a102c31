/**
 * @concord/mirror — consumes every region's events (and its repair topic) and applies them
 * to the region's Postgres projection: verification, DLQ, dedupe, causal gate, deterministic
 * fold, conflicts, digests, read models, the applied feed. See docs/mirror.md.
 */
export {
  startMirror,
  type MirrorHandle,
  type MirrorStats,
  type MirrorStatus,
  type StartMirrorOptions,
} from './startMirror.js';
export {
  applyHealth,
  registerApplyHealthMetrics,
  type ApplyHealth,
  type MirrorBacklog,
} from './telemetry/applyHealth.js';
export { SourceMetrics, type OriginBacklog } from './telemetry/sourceMetrics.js';
export { MirrorTelemetry } from './telemetry/MirrorTelemetry.js';
export { planSources, type SourceCluster, type SourceTopic } from './consume/sources.js';
export { classifyRecords, nulCharacterPath, type RawRecord } from './consume/classifyRecords.js';
export { decideOffsets, type OffsetDecision } from './consume/offsetRule.js';
export { DLQ_HEADERS, dlqOutboxRow, MAX_DLQ_VALUE_BYTES } from './dlq/dlqRecord.js';
export { FEED_PARTITION, feedRecord } from './feed/OutboxPublisher.js';
export { APPLIED_CHANNEL, ProjectionStore } from './store/ProjectionStore.js';
export { notifyPayload } from './apply/applyRound.js';
export { APPLY_LOCK, FEED_LOCK, LIVE_SCHEMA } from './store/locks.js';
export {
  checkProjection,
  regionDigest,
  type ProjectionCheck,
  type RegionDigest,
} from './store/regionDigest.js';
export { recomputeStreams, type StreamRecompute } from './admin/recomputeStreams.js';
export {
  NEXT_SCHEMA,
  replayProjection,
  type ReplayOptions,
  type ReplayResult,
} from './replay/replayProjection.js';
