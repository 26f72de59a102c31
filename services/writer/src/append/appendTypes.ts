import type { Tracer } from '@opentelemetry/api';
import type {
  DomainRegistry,
  Envelope,
  EnvelopeSigner,
  EventId,
  HybridLogicalClock,
  RegionId,
} from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import type { HeadsCache } from '../heads/HeadsCache.js';
import type { OwnChainStore } from '../heads/OwnChainStore.js';
import type { SnapshotSource } from '../heads/ProjectionSnapshots.js';
import type { IdempotencyStore } from '../idempotency/IdempotencyStore.js';
import type { EventLog, LogPosition } from './EventLog.js';
import type { StreamSerializer } from './StreamSerializer.js';

/** The outcome of an accepted append: 201 (`duplicate: false`) or 200 (`duplicate: true`). */
export interface AppendResult {
  readonly event: Envelope;
  readonly duplicate: boolean;
  /** Where the log holds a new event (not for duplicates); session tokens cover it by it. */
  readonly position?: LogPosition | undefined;
}

export interface AppendContext {
  /** The HTTP request id, recorded in `meta.requestId` and the logs. */
  readonly requestId?: string;
  /**
   * Look the idempotency key up in Redis before queueing (default true). Batches turn it off
   * so that their items of one stream keep their order.
   */
  readonly fastPath?: boolean;
}

/** What an append or a merge needs to know from the projection. */
export interface SnapshotNeeds {
  readonly stream: string;
  readonly idempotencyKey?: string | undefined;
  readonly causedBy?: EventId | undefined;
  /** An event id whose presence is asked (merges are deduplicated by id). */
  readonly eventId?: EventId | undefined;
}

/** Port: whether the region refuses writes. */
export interface FenceGate {
  assertOpen(): void;
}

export interface AppenderDeps {
  readonly region: RegionId;
  readonly topic: string;
  readonly signer: EnvelopeSigner;
  readonly clock: HybridLogicalClock;
  /**
   * Physical clock in ms: `meta.acceptedAt`, the heads cache's `at`, the Postgres breaker and
   * the Redis warning's rate limit. The HLC reads the same clock (startWriter.ts injects one).
   */
  readonly now: () => number;
  readonly domains: DomainRegistry;
  readonly log: EventLog;
  readonly snapshots: SnapshotSource;
  readonly chains: OwnChainStore;
  readonly headsCache: HeadsCache;
  readonly idempotency: IdempotencyStore;
  readonly serializer: StreamSerializer;
  readonly fence: FenceGate;
  readonly maxEventBytes: number;
  /** States larger than this (serialized) are not cached for Postgres outages. */
  readonly maxCachedStateBytes: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly tracer: Tracer;
}
