/** The public shapes of a running mirror (docs/mirror.md): options, stats, status, handle. */
import type { Tracer } from '@opentelemetry/api';
import type { RegionId } from '@concord/config';
import type { DomainRegistry, Envelope, ReadModel } from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import type { ApplierStats } from '../apply/Applier.js';
import type { SourceCluster } from '../consume/sources.js';
import type { PendingSummary } from '../store/statusQueries.js';
import type { MirrorBacklog } from '../telemetry/applyHealth.js';

/** Options of `startMirror`; every one has a default. */
export interface StartMirrorOptions {
  /** Region served. Default: `config.region` (CONCORD_REGION). */
  readonly region?: RegionId;
  /** HTTP port (0: any free port). Default: `config.byRegion[region].mirror.port`. */
  readonly port?: number;
  /** HTTP listen address. Default `config.bindHost` (CONCORD_BIND_HOST). */
  readonly host?: string;
  readonly logger?: Logger;
  /** Prometheus metrics (a fresh registry by default). */
  readonly metrics?: Metrics;
  /** OpenTelemetry tracer for the consumer spans. Default: the global tracer provider's. */
  readonly tracer?: Tracer;
  /** Domain modules by category. Default: `defaultDomains` of @concord/domains. */
  readonly domains?: DomainRegistry;
  /**
   * The read models the mirror maintains, each where the registry serves its module
   * (docs/mirror.md, "Read models"). Default: `defaultReadModels` of @concord/domains.
   */
  readonly readModels?: readonly ReadModel[];
  /** Records per apply transaction, at most. Default 4000. */
  readonly maxTransactionRecords?: number;
  /** Distance between fold checkpoints, in events. Default 128. */
  readonly checkpointEvery?: number;
  /** Period of the pending safety sweep, in ms. Default 30 000. */
  readonly sweepIntervalMs?: number;
  /**
   * Period of the gauges refresh (pending, conflicts, backlogs) between scrapes, in ms: a scrape
   * of /metrics refreshes them itself. Feeds stats() and the overdue warning. Default 15 000.
   */
  readonly statsIntervalMs?: number;
  /** Publish the applied feed and the DLQ outbox. Default true. */
  readonly publish?: boolean;
  /**
   * Worker threads that parse and verify records (0: on the main thread, Ed25519 on libuv's
   * pool). Default: available parallelism − 2, at most 4 (0 on a two-core machine, where
   * threads measured slower).
   */
  readonly verifyThreads?: number;
  /**
   * Fetch shaping: bytes a source fetch waits for before the broker answers (default 1: at
   * once), and the longest it waits (default 1000 ms; also the idle poll period).
   */
  readonly fetchMinBytes?: number;
  readonly fetchMaxWaitMs?: number;
  /** Postgres connections. Default 4. */
  readonly poolSize?: number;
  /** Name of this instance in logs and Kafka client ids. Default `mirror-<region>-<pid>`. */
  readonly instance?: string;
  /** Called after each commit with the events it applied, in applied order (instrumentation). */
  readonly onApplied?: (events: readonly Envelope[], committedAt: number) => void;
}

/** Counters of what this instance did. */
export interface MirrorStats extends ApplierStats {
  readonly region: RegionId;
  readonly published: number;
  readonly dlqPublished: number;
  readonly pending: number;
  readonly pendingOldestSeconds: number | undefined;
  readonly sources: readonly { name: string; running: boolean }[];
}

/** A running mirror. */
export interface MirrorHandle {
  readonly region: RegionId;
  /** Base URL of its HTTP server. */
  readonly url: string;
  readonly port: number;
  readonly sources: readonly SourceCluster[];
  stats(): MirrorStats;
  /** The same document as `GET /v1/status`. */
  status(): Promise<MirrorStatus>;
  /** `GET /v1/backlog`: per-origin backlog and apply health, from memory (no database). */
  backlog(): Promise<MirrorBacklog>;
  /** Resolves when nothing is queued for the apply transaction. */
  idle(): Promise<void>;
  /** Stops consuming, finishes queued work, publishes, closes everything. */
  close(): Promise<void>;
}

/** `GET /v1/status`. */
export interface MirrorStatus {
  readonly region: RegionId;
  readonly generation: number;
  readonly pending: PendingSummary;
  readonly feed: { appliedSeq: number; publishedSeq: number; backlog: number };
  readonly dlqBacklog: number;
  readonly openConflicts: number;
  readonly sources: readonly { name: string; running: boolean; topics: string[] }[];
  readonly offsets: readonly { topic: string; partition: number; next: string }[];
  readonly instance: ApplierStats;
}
