/**
 * @concord/writer — the regional write and read HTTP API (docs/writer.md §1): validates, deduplicates,
 * stamps causal metadata, appends to the region's Kafka topic and serves reads from the
 * regional projection. See docs/writer.md.
 */
export {
  DEFAULT_TUNING,
  startWriter,
  type RunningWriter,
  type StartWriterOptions,
  type WriterTuning,
} from './startWriter.js';
export { parseAppendCommand, type AppendCommand } from './append/AppendCommand.js';
export { payloadHash, type Payload } from './append/payloadHash.js';
export type { EventLog, LogRecord } from './append/EventLog.js';
export type { FenceStatus, FenceStore } from './fence/FenceStore.js';
export { deriveHeads, probeIds, type DerivedHeads, type HeadsInput } from './heads/deriveHeads.js';
export type { ChainEntry, HeadRef } from './heads/HeadRef.js';
