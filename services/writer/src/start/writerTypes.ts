/** The public shapes of a running writer (docs/writer.md): tuning, options, handle. */
import type { Tracer } from '@opentelemetry/api';
import type { DomainRegistry, EnvelopeSigner, RegionKeyring } from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import type { pg } from '@concord/postgres';
import type { Redis } from '@concord/redis';
import type { Logger, Metrics } from '@concord/telemetry';
import type { EventLog } from '../append/EventLog.js';
import type { FenceStore } from '../fence/FenceStore.js';

/** Knobs that are not (yet) settings of `@concord/config`; every one has a default. */
export interface WriterTuning {
  /** Lifetime of an idempotency record in Redis, ms. Default 24 h. */
  readonly idempotencyTtlMs: number;
  /** Longest own chain kept per stream. Default 10 000. */
  readonly chainCap: number;
  /** Lifetime of the Redis own chain and heads cache after the last append, ms. Default 24 h. */
  readonly cacheTtlMs: number;
  /** Streams whose chain and heads this process keeps in memory. Default 50 000. */
  readonly localStreams: number;
  /** Envelope bytes kept in memory for own unprojected events. Default 64 MiB. */
  readonly localChainBytes: number;
  /** States cached for Postgres outages up to this size (serialized), bytes. Default 64 KiB. */
  readonly maxCachedStateBytes: number;
  /**
   * How often the stored fence is re-read anyway, ms: a change is seen at once through the
   * `concord_fence` notification; this bounds it while that connection is down. Default 5000.
   */
  readonly fencePollMs: number;
  /** `waitMs` of read-your-writes: default 5 000, at most 30 000 ms. */
  readonly readWaitDefaultMs: number;
  readonly readWaitMaxMs: number;
  /**
   * Longest pause between two checks for awaited events, ms, when the mirror's
   * `concord_applied` NOTIFY did not come first (it wakes the check at once). Default 250.
   */
  readonly readPollMs: number;
  /** Reads waiting at once (429 beyond). Default 10 000. */
  readonly maxWaitingReads: number;
  /** Page size of `GET …/events`: default 100, at most 1 000. */
  readonly pageSizeDefault: number;
  readonly pageSizeMax: number;
  /** Streams of one batch read (`POST /v1/reads`). Default 100. */
  readonly batchReadMax: number;
  /** Body limit of `POST /v1/events`, bytes. Default 16 MiB. */
  readonly batchBodyLimit: number;
}

export const DEFAULT_TUNING: WriterTuning = {
  idempotencyTtlMs: 24 * 3600_000,
  chainCap: 10_000,
  cacheTtlMs: 24 * 3600_000,
  localStreams: 50_000,
  localChainBytes: 64 * 1024 * 1024,
  maxCachedStateBytes: 64 * 1024,
  fencePollMs: 5000,
  readWaitDefaultMs: 5_000,
  readWaitMaxMs: 30_000,
  readPollMs: 250,
  maxWaitingReads: 10_000,
  pageSizeDefault: 100,
  pageSizeMax: 1_000,
  batchReadMax: 100,
  batchBodyLimit: 16 * 1024 * 1024,
};

export interface StartWriterOptions {
  /** Port to listen on; 0 picks a free one. Default: config.byRegion[region].writer.port. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Default: the global tracer (a no-op unless main.ts started the OpenTelemetry SDK). */
  readonly tracer?: Tracer;
  /** Default: the shipped domains (account, cart, profile) and merge patch for the rest. */
  readonly domains?: DomainRegistry;
  /** Default: the region's key from config.keys.dir (`<region>.key`). */
  readonly signer?: EnvelopeSigner;
  /** Public keys that session tokens are checked with. Default: every region's from config.keys.dir. */
  readonly keyring?: RegionKeyring;
  /**
   * Physical clock in ms. Default Date.now. The HLC and every time read of the append path:
   * `meta.acceptedAt`, the heads cache's `at`, the Postgres breaker, the Redis warning's rate
   * limit (docs/writer.md); also the session tokens' clock.
   */
  readonly now?: () => number;
  /** Injected adapters (not closed by `close()`); default: built from the config. */
  readonly eventLog?: EventLog;
  /** An ioredis client with the region's key prefix, or null to run without Redis. */
  readonly redis?: Redis | null;
  readonly pool?: pg.Pool;
  readonly fenceStore?: FenceStore;
  readonly tuning?: Partial<WriterTuning>;
}

export interface RunningWriter {
  readonly region: string;
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  /** Appends in flight right now. */
  inflight(): number;
  /** Stops accepting, drains in-flight appends, flushes the producer, closes connections. */
  close(): Promise<void>;
}
