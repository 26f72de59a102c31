import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  ConcordError,
  ENVELOPE_LIMITS,
  findNonJson,
  hlcSuccessor,
  isConcordError,
  isJsonObject,
  maxHlc,
  newEventId,
  serializeEnvelope,
  signEnvelope,
  type DomainModule,
  type DomainRegistry,
  type Envelope,
  type EnvelopeSigner,
  type EventId,
  type Hlc,
  type HybridLogicalClock,
  type JsonObject,
  type RegionId,
  type UnsignedEnvelope,
} from '@concord/core';
import {
  currentTraceparent,
  inSpan,
  SpanAttr,
  type Logger,
  type Metrics,
} from '@concord/telemetry';
import { deriveHeads, probeIds } from '../heads/deriveHeads.js';
import type { HeadRef } from '../heads/HeadRef.js';
import type { HeadsCache } from '../heads/HeadsCache.js';
import type { LoadedChain, OwnChainStore, OwnEvent } from '../heads/OwnChainStore.js';
import type { ProjectionSnapshot, SnapshotSource } from '../heads/ProjectionSnapshots.js';
import type { IdempotencyStore } from '../idempotency/IdempotencyStore.js';
import { LruMap } from '../support/LruMap.js';
import type { AppendCommand } from './AppendCommand.js';
import type { EventLog } from './EventLog.js';
import { payloadHash } from './payloadHash.js';
import type { LockMode, StreamSerializer } from './StreamSerializer.js';

/** The outcome of an accepted append: 201 (`duplicate: false`) or 200 (`duplicate: true`). */
export interface AppendResult {
  readonly event: Envelope;
  readonly duplicate: boolean;
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

/** Port: whether the region refuses writes. */
export interface FenceGate {
  assertOpen(): void;
}

export interface AppenderDeps {
  readonly region: RegionId;
  readonly topic: string;
  readonly signer: EnvelopeSigner;
  readonly clock: HybridLogicalClock;
  /** Physical clock for `meta.acceptedAt`. */
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

/** Outcome label of `concord_append_duration_seconds`. */
export type AppendOutcome = 'created' | 'duplicate' | 'rejected' | 'unavailable' | 'error';

export function outcomeOf(error: unknown): AppendOutcome {
  if (!(error instanceof ConcordError)) return 'error';
  switch (error.code) {
    case 'BUS_UNAVAILABLE':
    case 'STORE_UNAVAILABLE':
    case 'CACHE_UNAVAILABLE':
    case 'REGION_FENCED':
    case 'TIMEOUT':
      return 'unavailable';
    case 'INTERNAL':
    case 'CONFIG_INVALID':
      return 'error';
    default:
      return 'rejected';
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The payload hash an earlier event vouches for (its own, or recomputed for foreign events). */
function hashOf(event: Envelope): string {
  const stored = event.meta.payloadHash;
  return typeof stored === 'string'
    ? stored
    : payloadHash({ type: event.type, data: event.data, causedBy: event.causedBy });
}

/**
 * The append path of DESIGN §8, in this order: fence → idempotency fast path (Redis) →
 * per-stream serialisation (in-process queue + Redis lock) → [in the critical section]
 * own chain + projection snapshot → idempotency (the projection is the truth) → heads
 * (projection heads + own unprojected events) → expected heads → domain `prepare` → HLC stamp
 * after the parents → sign → produce and wait for the Kafka ack. Only after the ack: the own
 * chain, the idempotency record and the heads cache are written. Nothing is written anywhere
 * before the ack, so a failed append leaves nothing behind.
 */
export class Appender {
  private storeDownUntil = 0;
  /** Clocks of recent own events, for a `causedBy` not yet in the projection. */
  private readonly recentClocks = new LruMap<EventId, Hlc>(50_000);
  private readonly maxSkew = new Map<RegionId, number>();
  private lastCacheWarning = 0;

  constructor(private readonly deps: AppenderDeps) {}

  /**
   * Appends one command. Resolves with the event (201) or the earlier event of the same
   * idempotency key (200); rejects with a ConcordError carrying the stable code.
   */
  async append(command: AppendCommand, context: AppendContext = {}): Promise<AppendResult> {
    const { metrics } = this.deps;
    const started = performance.now();
    const logger = this.deps.logger.child({
      stream: command.stream,
      ...(context.requestId ? { reqId: context.requestId } : {}),
    });
    let outcome: AppendOutcome = 'error';
    try {
      this.deps.fence.assertOpen();
      const hash = payloadHash(command);
      const key = command.idempotencyKey;
      if (key !== undefined && context.fastPath !== false) {
        const known = await this.deps.idempotency.lookup(command.stream, key);
        if (known) {
          const result = this.duplicate(command, hash, known.payloadHash, known.event);
          outcome = 'duplicate';
          return result;
        }
      }
      const result = await this.deps.serializer.run(command.stream, (mode) =>
        this.appendInSection(command, hash, mode, context, logger),
      );
      outcome = result.duplicate ? 'duplicate' : 'created';
      if (result.duplicate) {
        logger.debug({ eventId: result.event.id }, 'duplicate append (idempotency key)');
      } else {
        logger.info(
          {
            eventId: result.event.id,
            type: result.event.type,
            parents: result.event.parents.length,
            ms: Math.round((performance.now() - started) * 10) / 10,
          },
          'event appended',
        );
      }
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      if (outcome === 'unavailable') {
        logger.warn({ err: error }, 'append refused: dependency unavailable');
      } else if (outcome === 'error') {
        logger.error({ err: error }, 'append failed');
      } else {
        logger.debug({ code: (error as ConcordError).code }, 'append rejected');
      }
      throw error;
    } finally {
      metrics.appendDuration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }

  private duplicate(
    command: AppendCommand,
    hash: string,
    storedHash: string,
    event: Envelope,
  ): AppendResult {
    if (storedHash !== hash) {
      throw new ConcordError(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key already used in stream ${command.stream} for another payload`,
        { details: { idempotencyKey: command.idempotencyKey, eventId: event.id } },
      );
    }
    this.deps.metrics.duplicates.inc({ kind: 'idempotency-key' });
    return { event, duplicate: true };
  }

  private async appendInSection(
    command: AppendCommand,
    hash: string,
    mode: LockMode,
    context: AppendContext,
    logger: Logger,
  ): Promise<AppendResult> {
    const { deps } = this;
    const { stream } = command;
    const key = command.idempotencyKey;
    const domain = deps.domains.forStream(stream);
    const withState = domain.prepare !== undefined;
    // The projection is asked right away with this process's copy of the chain, while the
    // chain is checked against Redis; only if another writer process appended in between
    // (the copy was stale) is it asked again. One round trip saved on the usual path.
    const local = deps.chains.peek(stream);
    const speculative = this.snapshot(command, local, withState, logger);
    speculative.catch(() => undefined); // awaited (or dropped) below
    const [chain, remembered] = await Promise.all([
      deps.chains.load(stream),
      key === undefined ? undefined : deps.idempotency.lookup(stream, key),
    ]);
    const snapshot =
      chain.entries === local
        ? await speculative
        : await this.snapshot(command, chain.entries, withState, logger);

    if (key !== undefined) {
      // The projection's first event in fold order is the truth; then our own unprojected
      // events; then Redis (which also knows other writer processes' unprojected events).
      const own = chain.entries.find((e) => e.envelope?.idempotencyKey === key)?.envelope;
      if (snapshot.keyed)
        return this.duplicate(command, hash, hashOf(snapshot.keyed), snapshot.keyed);
      if (own) return this.duplicate(command, hash, hashOf(own), own);
      if (remembered)
        return this.duplicate(command, hash, remembered.payloadHash, remembered.event);
    }

    const { heads, remaining, dropped } = deriveHeads({
      projectionHeads: snapshot.heads,
      chain: chain.entries,
      projected: snapshot.projected,
    });
    const parents = heads.map((h) => h.id);
    if (command.expectedHeads && !sameSet(command.expectedHeads, parents)) {
      throw new ConcordError(
        'EXPECTED_HEADS_MISMATCH',
        `stream ${stream} has other heads than expected`,
        { details: { heads: parents, expected: command.expectedHeads } },
      );
    }
    const data = this.prepare(domain, snapshot, remaining, command);
    // A fence set while this append waited for its turn applies to it too.
    deps.fence.assertOpen();
    const hlc = this.stamp(heads, command.causedBy, snapshot, logger);

    const id = newEventId();
    const { envelope, bytes } = await inSpan(
      deps.tracer,
      `${deps.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': deps.topic,
          [SpanAttr.region]: deps.region,
          [SpanAttr.origin]: deps.region,
          [SpanAttr.stream]: stream,
          [SpanAttr.eventId]: id,
        },
      },
      async () => {
        const traceparent = currentTraceparent();
        const unsigned: UnsignedEnvelope = {
          v: 1,
          id,
          stream,
          type: command.type,
          data,
          origin: deps.region,
          hlc,
          parents,
          ...(command.causedBy === undefined ? {} : { causedBy: command.causedBy }),
          ...(key === undefined ? {} : { idempotencyKey: key }),
          meta: {
            acceptedAt: new Date(deps.now()).toISOString(),
            payloadHash: hash,
            ...(traceparent === undefined ? {} : { traceparent }),
            ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
          },
        };
        const signed = signEnvelope(unsigned, deps.signer);
        const value = serializeEnvelope(signed);
        const size = Buffer.byteLength(value, 'utf8');
        if (size > deps.maxEventBytes) {
          throw new ConcordError(
            'ENVELOPE_TOO_LARGE',
            `the event would be ${size} bytes, the limit is ${deps.maxEventBytes}`,
            { details: { field: 'data', size, limit: deps.maxEventBytes } },
          );
        }
        await deps.log.append({
          stream,
          value,
          headers: {
            'concord-event-id': id,
            'concord-origin': deps.region,
            'concord-type': command.type,
            ...(traceparent === undefined ? {} : { traceparent }),
          },
        });
        return { envelope: signed, bytes: size };
      },
    );

    // Acknowledged by Kafka: only now does anything else learn about the event.
    deps.metrics.eventsAppended.inc();
    this.recentClocks.set(id, hlc);
    await this.afterAck(
      command,
      hash,
      chain,
      dropped,
      { id, parents, hlc, envelope, bytes },
      snapshot,
      domain,
      mode,
      logger,
    );
    return { event: envelope, duplicate: false };
  }

  private async snapshot(
    command: AppendCommand,
    chain: readonly OwnEvent[],
    withState: boolean,
    logger: Logger,
  ): Promise<ProjectionSnapshot & { readonly fresh: boolean }> {
    const { deps } = this;
    // Postgres failed a moment ago: do not wait for it on every append while the cache knows
    // the stream (an unknown stream still tries Postgres: better slow than 503).
    if (Date.now() < this.storeDownUntil) {
      const cached = await this.fromCache(command.stream, withState);
      if (cached) return cached;
    }
    try {
      const snapshot = await deps.snapshots.snapshot(command.stream, {
        probe: probeIds(chain),
        idempotencyKey: command.idempotencyKey,
        causedBy: command.causedBy,
        withState,
      });
      return { ...snapshot, fresh: true };
    } catch (error) {
      if (!isConcordError(error, 'STORE_UNAVAILABLE')) throw error;
      if (Date.now() >= this.storeDownUntil) {
        logger.warn({ err: error }, 'projection unreachable: using the cached heads');
      }
      this.storeDownUntil = Date.now() + 1000;
      const cached = await this.fromCache(command.stream, withState);
      if (cached) return cached;
      throw new ConcordError(
        'STORE_UNAVAILABLE',
        `the projection is unreachable and the heads of stream ${command.stream} are not cached`,
        { details: { stream: command.stream }, cause: error },
      );
    }
  }

  /** The last projection snapshot cached for the stream, when it is enough to append. */
  private async fromCache(
    stream: string,
    withState: boolean,
  ): Promise<(ProjectionSnapshot & { readonly fresh: boolean }) | undefined> {
    const cached = await this.deps.headsCache.get(stream);
    if (!cached || (withState && cached.exists && cached.state === undefined)) return undefined;
    return {
      exists: cached.exists,
      heads: cached.heads,
      version: cached.version,
      ...(cached.state === undefined ? {} : { state: cached.state }),
      projected: new Set(),
      fresh: false,
    };
  }

  private prepare(
    domain: DomainModule,
    snapshot: ProjectionSnapshot,
    remaining: readonly OwnEvent[],
    command: AppendCommand,
  ): JsonObject {
    if (!domain.prepare) return command.data;
    // The projection's state plus this process's own events it does not contain yet, so a
    // client sees its own writes (e.g. remove an item it just added to a cart).
    let state =
      snapshot.exists && snapshot.state !== undefined
        ? snapshot.state
        : domain.reducer.initialState();
    for (const entry of remaining) {
      if (entry.envelope) state = domain.reducer.evolve(state, entry.envelope);
    }
    let data: unknown;
    try {
      data = domain.prepare(state, {
        stream: command.stream,
        type: command.type,
        data: command.data,
        idempotencyKey: command.idempotencyKey,
        causedBy: command.causedBy,
      });
    } catch (error) {
      if (error instanceof ConcordError) throw error;
      throw new ConcordError('INTERNAL', `prepare of domain ${domain.category} failed`, {
        cause: error,
      });
    }
    if (!isJsonObject(data) || findNonJson(data, ENVELOPE_LIMITS.maxDepth)) {
      throw new ConcordError(
        'INTERNAL',
        `prepare of domain ${domain.category} returned no valid JSON object`,
      );
    }
    return data;
  }

  /**
   * A stamp after every parent (and `causedBy`, when its clock is known). A parent further
   * ahead of this machine's clock than the drift bound is not allowed to drag the writer's
   * clock: the event then takes the parent's successor (causality holds), the skew is exported
   * as `concord_hlc_skew_seconds{origin}` and logged.
   */
  private stamp(
    heads: readonly HeadRef[],
    causedBy: EventId | undefined,
    snapshot: ProjectionSnapshot,
    logger: Logger,
  ): Hlc {
    const { clock, metrics, region } = this.deps;
    const clocks = heads.map((h) => h.hlc);
    const causeClock =
      snapshot.causedByHlc ??
      (causedBy === undefined ? undefined : this.recentClocks.get(causedBy));
    if (causeClock) clocks.push(causeClock);
    for (const head of heads) {
      if (!head.origin || head.origin === region) continue;
      const skew = clock.skewMs(head.hlc);
      if (skew > (this.maxSkew.get(head.origin) ?? 0)) {
        this.maxSkew.set(head.origin, skew);
        metrics.hlcSkew.set({ origin: head.origin }, skew / 1000);
      }
    }
    try {
      return clock.stampAfter(clocks);
    } catch (error) {
      if (!isConcordError(error, 'HLC_DRIFT_EXCEEDED')) throw error;
      logger.warn({ details: error.details }, 'a parent clock is beyond the drift bound');
      return hlcSuccessor(maxHlc(clocks)!);
    }
  }

  private async afterAck(
    command: AppendCommand,
    hash: string,
    chain: LoadedChain,
    dropped: number,
    own: OwnEvent & { envelope: Envelope },
    snapshot: ProjectionSnapshot & { readonly fresh: boolean },
    domain: DomainModule,
    mode: LockMode,
    logger: Logger,
  ): Promise<void> {
    const { deps } = this;
    const { stream } = command;
    const writes: Promise<void>[] = [deps.chains.commit(stream, chain, dropped, own)];
    if (command.idempotencyKey !== undefined) {
      writes.push(
        deps.idempotency.remember(stream, command.idempotencyKey, {
          payloadHash: hash,
          event: own.envelope,
        }),
      );
    }
    if (snapshot.fresh) {
      let state = domain.prepare ? snapshot.state : undefined;
      if (state !== undefined && JSON.stringify(state).length > deps.maxCachedStateBytes) {
        state = undefined;
      }
      writes.push(
        deps.headsCache.put(stream, {
          exists: snapshot.exists,
          heads: snapshot.heads,
          version: snapshot.version,
          ...(state === undefined ? {} : { state }),
          at: new Date().toISOString(),
        }),
      );
    }
    const results = await Promise.allSettled(writes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && mode === 'redis' && Date.now() - this.lastCacheWarning > 10_000) {
      this.lastCacheWarning = Date.now();
      logger.warn({ err: failed.reason }, 'redis: could not record the appended event');
    }
  }
}
