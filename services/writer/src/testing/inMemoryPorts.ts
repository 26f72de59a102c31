/**
 * In-memory implementations of the writer's ports, so the append path can be unit tested
 * without IO (and without mocks). Not part of the build.
 */
import {
  ConcordError,
  DomainRegistry,
  HybridLogicalClock,
  createSigner,
  generateRegionKeyPair,
  parseEnvelope,
  type Envelope,
  type EventId,
  type JsonValue,
  type StreamId,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createLogger, createMetrics } from '@concord/telemetry';
import { trace } from '@opentelemetry/api';
import { Appender } from '../append/Appender.js';
import type { EventLog, LogPosition, LogRecord } from '../append/EventLog.js';
import { StreamSerializer } from '../append/StreamSerializer.js';
import { OPEN, type FenceStatus, type FenceStore } from '../fence/FenceStore.js';
import { HeadsCache } from '../heads/HeadsCache.js';
import { OwnChainStore } from '../heads/OwnChainStore.js';
import type {
  ProjectionSnapshot,
  SnapshotQuery,
  SnapshotSource,
} from '../heads/ProjectionSnapshots.js';
import { IdempotencyStore } from '../idempotency/IdempotencyStore.js';

/** A log that records what it acknowledged; `fail` makes the next appends fail. */
export class InMemoryEventLog implements EventLog {
  readonly records: LogRecord[] = [];
  fail: ConcordError | undefined;
  /** When set, appends wait for this promise before acknowledging. */
  gate: Promise<void> | undefined;

  /** Acknowledges like a one-partition log: partition 0, offsets 0, 1, … */
  async append(record: LogRecord): Promise<LogPosition> {
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    this.records.push(record);
    return { partition: 0, offset: this.records.length - 1 };
  }
  events(): Envelope[] {
    return this.records.map((r) => parseEnvelope(r.value));
  }
  async ready(): Promise<boolean> {
    return this.fail === undefined;
  }
  async close(): Promise<void> {}
}

/**
 * A projection as the mirror would fill it, reduced to what the writer reads: applied events
 * with their heads (per stream, the applied events nobody applied names as parent).
 */
export class InMemoryProjection implements SnapshotSource {
  private readonly events = new Map<EventId, Envelope>();
  private readonly order: Envelope[] = [];
  readonly states = new Map<StreamId, JsonValue>();
  down = false;

  apply(event: Envelope): void {
    if (this.events.has(event.id)) return;
    this.events.set(event.id, event);
    this.order.push(event);
  }

  async snapshot(stream: StreamId, query: SnapshotQuery): Promise<ProjectionSnapshot> {
    if (this.down) throw new ConcordError('STORE_UNAVAILABLE', 'projection down (test)');
    const mine = this.order.filter((e) => e.stream === stream);
    const covered = new Set(mine.flatMap((e) => e.parents));
    const heads = mine
      .filter((e) => !covered.has(e.id))
      .map((e) => ({ id: e.id, hlc: e.hlc, origin: e.origin }));
    const keyed = query.idempotencyKey
      ? mine.find((e) => e.idempotencyKey === query.idempotencyKey)
      : undefined;
    const state = this.states.get(stream);
    return {
      exists: mine.length > 0,
      heads,
      version: mine.length,
      ...(query.withState && state !== undefined ? { state } : {}),
      projected: new Set(query.probe.filter((id) => this.events.has(id))),
      ...(keyed ? { keyed } : {}),
      ...(query.eventId && this.events.has(query.eventId)
        ? { existing: this.events.get(query.eventId)! }
        : {}),
    };
  }
}

export class InMemoryFenceStore implements FenceStore {
  status: FenceStatus = OPEN;
  async read(): Promise<FenceStatus> {
    return this.status;
  }
  async write(fenced: boolean, reason: string | null, updatedBy: string): Promise<FenceStatus> {
    this.status = { fenced, reason, updatedBy, updatedAt: new Date().toISOString() };
    return this.status;
  }
}

/** An Appender wired to in-memory ports (no Redis: the in-process queue and caches only). */
export function inMemoryAppender(
  options: { fenced?: () => boolean; now?: () => number; domains?: DomainRegistry } = {},
) {
  const log = new InMemoryEventLog();
  const projection = new InMemoryProjection();
  const logger = createLogger({ service: 'writer', region: 'us', level: 'silent' });
  const metrics = createMetrics({ region: 'us', service: 'writer' });
  const chains = new OwnChainStore(undefined, {
    cap: 10_000,
    ttlMs: 60_000,
    maxStreams: 1000,
    maxBytes: 1 << 26,
  });
  const headsCache = new HeadsCache(undefined, { ttlMs: 60_000, maxStreams: 1000 });
  const now = options.now ?? Date.now;
  const appender = new Appender({
    region: 'us',
    topic: 'test.events.us',
    signer: createSigner('us', generateRegionKeyPair().privateKey),
    clock: new HybridLogicalClock({ now }),
    now,
    domains: options.domains ?? new DomainRegistry(defaultDomains),
    log,
    snapshots: projection,
    chains,
    headsCache,
    idempotency: new IdempotencyStore(undefined, 60_000),
    serializer: new StreamSerializer(undefined, { ttlMs: 1000, waitMs: 1000 }, logger),
    fence: {
      assertOpen: () => {
        if (options.fenced?.()) throw new ConcordError('REGION_FENCED', 'fenced (test)');
      },
    },
    maxEventBytes: 4096,
    maxCachedStateBytes: 65_536,
    metrics,
    logger,
    tracer: trace.getTracer('test'),
  });
  return { appender, log, projection, chains, headsCache, metrics };
}
