/**
 * @concord/client — a client of Concord's writer API with regional failover and session
 * consistency (docs/client.md), and consumeApplied, a downstream reader of a region's applied feed.
 * No Concord-internal dependencies at runtime; kafkajs and pg are optional peers (consumeApplied).
 */
export { ConcordClient, type CallOptions, type ConcordClientOptions } from './ConcordClient.js';
export {
  CLIENT_ERROR_CODES,
  ConcordClientError,
  isConcordClientError,
  type ClientErrorCode,
} from './errors.js';
export { RegionHealth, type RegionHealthOptions, type TargetChange } from './RegionHealth.js';
export type {
  AppendInput,
  AppendResult,
  BatchItem,
  BatchItemResult,
  BatchResult,
  ClientEvent,
  Envelope,
  EventsPage,
  StreamsRead,
  StreamView,
} from './types.js';
export {
  consumeApplied,
  type ConsumeAppliedOptions,
  type ConsumeAppliedStats,
} from './applied/consumeApplied.js';
export {
  APPLIED_HEADERS,
  parseAppliedRecord,
  type AppliedEvent,
  type AppliedRecordInput,
  type ParsedAppliedRecord,
} from './applied/appliedRecord.js';
export {
  DEFAULT_CHECKPOINT_SCHEMA,
  PostgresCheckpointStore,
  type SqlClient,
  type SqlPool,
  type SqlResult,
} from './applied/checkpointStore.js';
export type { AppliedHandler, InvalidPolicy, RecordOutcome } from './applied/processRecord.js';
