/**
 * @concord/client — a client of Concord's writer API with regional failover and session
 * consistency (docs/client.md). No Concord-internal dependencies at runtime.
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
