import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  ConcordError,
  derivedMergeId,
  encodeForWrite,
  ENVELOPE_LIMITS,
  findNonJson,
  hlcSuccessor,
  isConcordError,
  isJsonObject,
  maxHlc,
  MERGE_EVENT_TYPE,
  newEventId,
  parseUnsignedEnvelope,
  schemaVersionOf,
  serializeEnvelope,
  signEnvelope,
  withSchemaVersion,
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
import type { IdempotencyRecord, IdempotencyStore } from '../idempotency/IdempotencyStore.js';
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

/** What an append or a merge needs to know from the projection. */
interface SnapshotNeeds {
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
    case 'OUTCOME_UNKNOWN':
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
 * The append path of docs/writer.md §2, in this order: fence → idempotency fast path (Redis) →
 * per-stream serialisation (in-process queue + Redis lock) → [in the critical section]
 * own chain + projection snapshot → idempotency (the projection is the truth) → heads
 * (projection heads + own unprojected events) → expected heads → domain `prepare` → encoding
 * at the type's write version (`meta.schemaVersion`) → HLC stamp after the parents → sign →
 * produce and wait for the Kafka ack. Only after the ack: the own chain, the idempotency record
 * and the heads cache are written. Nothing is written anywhere before the ack, so a failed
 * append leaves nothing behind.
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
            schemaVersion: schemaVersionOf(result.event),
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
    const [chain, snapshot, remembered] = await this.readState(
      command,
      domain.prepare !== undefined,
      logger,
    );

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

    const { heads, remaining } = deriveHeads({
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
    const { data, version } = this.encode(
      domain,
      command.type,
      this.prepare(domain, snapshot, remaining, command),
    );
    // A fence set while this append waited for its turn applies to it too.
    deps.fence.assertOpen();
    const hlc = this.stamp(heads, command.causedBy, snapshot, logger);

    const own = await this.produce(
      {
        v: 1,
        id: newEventId(),
        stream,
        type: command.type,
        data,
        origin: deps.region,
        hlc,
        parents,
        ...(command.causedBy === undefined ? {} : { causedBy: command.causedBy }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
        meta: withSchemaVersion({ payloadHash: hash }, version),
      },
      context,
    );
    this.recentClocks.set(own.id, hlc);
    // This process keeps the envelope only where it serves: `prepare` (own writes folded into
    // the state) and idempotency keys (local dedupe); the rest is just {id, parents, hlc}.
    const keep = key !== undefined || domain.prepare !== undefined;
    const entry = keep ? own : { ...own, envelope: undefined, bytes: 0 };
    const writes = [this.remember(chain, remaining, entry, own.envelope, snapshot, domain)];
    if (key !== undefined) {
      writes.push(
        deps.idempotency.remember(stream, key, { payloadHash: hash, event: own.envelope }),
      );
    }
    await this.settle(writes, mode, logger);
    return { event: own.envelope, duplicate: false };
  }

  /**
   * Appends a `concord.merge` built by a reconciler (docs/writer.md §6): validated, deduplicated by
   * its deterministic id, signed by this region (its origin stays the owner region), produced
   * to this region's topic through the same per-stream serialisation, and remembered as an
   * own event so that the next appends here descend from it instead of forking again.
   *
   * @throws ConcordError VALIDATION_FAILED / ENVELOPE_INVALID / ENVELOPE_TOO_LARGE for
   * anything but a valid merge with its deterministic id; REGION_FENCED; BUS_UNAVAILABLE…
   */
  async appendMerge(merge: unknown, context: AppendContext = {}): Promise<AppendResult> {
    const started = performance.now();
    let outcome: AppendOutcome = 'error';
    const unsigned = this.checkMerge(merge);
    const logger = this.deps.logger.child({ stream: unsigned.stream, eventId: unsigned.id });
    try {
      this.deps.fence.assertOpen();
      const result = await this.deps.serializer.run(unsigned.stream, (mode) =>
        this.mergeInSection(unsigned, mode, context, logger),
      );
      outcome = result.duplicate ? 'duplicate' : 'created';
      logger.info(
        { duplicate: result.duplicate, parents: unsigned.parents.length },
        'merge appended',
      );
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      logger.warn({ err: error }, 'merge refused');
      throw error;
    } finally {
      this.deps.metrics.appendDuration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }

  private checkMerge(merge: unknown): UnsignedEnvelope {
    if (!isJsonObject(merge) || merge.type !== MERGE_EVENT_TYPE) {
      throw new ConcordError('VALIDATION_FAILED', `only ${MERGE_EVENT_TYPE} events go here`, {
        details: { field: 'merge.type' },
      });
    }
    const { sig: _sig, ...withoutSig } = merge;
    const unsigned = parseUnsignedEnvelope(withoutSig, { maxBytes: this.deps.maxEventBytes });
    // The mirrors judge the rest (docs/decisions/0007-merge-validation.md).
    const expected = derivedMergeId(unsigned);
    if (unsigned.id !== expected) {
      throw new ConcordError(
        'VALIDATION_FAILED',
        'a merge id must be derived from its stream, parents and resolver version (and data, for a manual merge)',
        { details: { field: 'merge.id', expected: expected ?? null } },
      );
    }
    return unsigned;
  }

  private async mergeInSection(
    merge: UnsignedEnvelope,
    mode: LockMode,
    context: AppendContext,
    logger: Logger,
  ): Promise<AppendResult> {
    const { deps } = this;
    const [chain, snapshot] = await this.readState(
      { stream: merge.stream, eventId: merge.id },
      false,
      logger,
    );
    const known =
      snapshot.existing ?? chain.entries.find((e) => e.id === merge.id && e.envelope)?.envelope;
    if (known) return { event: known, duplicate: true };
    if (chain.entries.some((e) => e.id === merge.id)) {
      // Appended by another writer process of the region: the same event, signed here.
      return { event: signEnvelope(merge, deps.signer), duplicate: true };
    }
    const { remaining } = deriveHeads({
      projectionHeads: snapshot.heads,
      chain: chain.entries,
      projected: snapshot.projected,
    });
    deps.fence.assertOpen();
    const own = await this.produce(merge, context);
    this.recentClocks.set(own.id, merge.hlc);
    const domain = deps.domains.forStream(merge.stream);
    await this.settle(
      [this.remember(chain, remaining, own, own.envelope, snapshot, domain)],
      mode,
      logger,
    );
    return { event: own.envelope, duplicate: false };
  }

  /**
   * The own chain (checked against Redis), the projection snapshot and the Redis idempotency
   * record. The projection is asked right away with this process's copy of the chain, while
   * the chain is checked against Redis; only if another writer process appended in between
   * (the copy was stale) is it asked again: one round trip saved on the usual path.
   */
  private async readState(
    needs: SnapshotNeeds,
    withState: boolean,
    logger: Logger,
  ): Promise<
    [LoadedChain, ProjectionSnapshot & { readonly fresh: boolean }, IdempotencyRecord | undefined]
  > {
    const { deps } = this;
    const local = deps.chains.peek(needs.stream);
    const speculative = this.snapshot(needs, local, withState, logger);
    speculative.catch(() => undefined); // awaited (or dropped) below
    const [chain, remembered] = await Promise.all([
      deps.chains.load(needs.stream),
      needs.idempotencyKey === undefined
        ? undefined
        : deps.idempotency.lookup(needs.stream, needs.idempotencyKey),
    ]);
    const snapshot =
      chain.entries === local
        ? await speculative
        : await this.snapshot(needs, chain.entries, withState, logger);
    return [chain, snapshot, remembered];
  }

  /**
   * Signs and produces an envelope inside a producer span whose traceparent goes into
   * `meta.traceparent` and the Kafka headers; `meta.acceptedAt` is set now. Resolves once
   * Kafka acknowledged.
   */
  private async produce(
    unsigned: UnsignedEnvelope,
    context: AppendContext,
  ): Promise<OwnEvent & { readonly envelope: Envelope }> {
    const { deps } = this;
    return inSpan(
      deps.tracer,
      `${deps.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': deps.topic,
          [SpanAttr.region]: deps.region,
          [SpanAttr.origin]: unsigned.origin,
          [SpanAttr.stream]: unsigned.stream,
          [SpanAttr.eventId]: unsigned.id,
        },
      },
      async () => {
        const traceparent = currentTraceparent();
        const envelope = signEnvelope(
          {
            ...unsigned,
            meta: {
              ...unsigned.meta,
              acceptedAt: new Date(deps.now()).toISOString(),
              ...(traceparent === undefined ? {} : { traceparent }),
              ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
            },
          },
          deps.signer,
        );
        const value = serializeEnvelope(envelope);
        const bytes = Buffer.byteLength(value, 'utf8');
        if (bytes > deps.maxEventBytes) {
          throw new ConcordError(
            'ENVELOPE_TOO_LARGE',
            `the event would be ${bytes} bytes, the limit is ${deps.maxEventBytes}`,
            { details: { field: 'data', size: bytes, limit: deps.maxEventBytes } },
          );
        }
        await deps.log.append({
          stream: envelope.stream,
          value,
          headers: {
            'concord-event-id': envelope.id,
            'concord-origin': envelope.origin,
            'concord-type': envelope.type,
            ...(traceparent === undefined ? {} : { traceparent }),
          },
        });
        // Acknowledged by Kafka: only now does anything else learn about the event.
        deps.metrics.eventsAppended.inc();
        return { id: envelope.id, parents: envelope.parents, hlc: envelope.hlc, envelope, bytes };
      },
    );
  }

  /** After the ack: the own chain, and the heads cache when the snapshot was fresh. */
  private remember(
    chain: LoadedChain,
    remaining: readonly OwnEvent[],
    own: OwnEvent,
    envelope: Envelope,
    snapshot: ProjectionSnapshot & { readonly fresh: boolean },
    domain: DomainModule,
  ): Promise<void> {
    const { deps } = this;
    const stream = envelope.stream;
    const writes: Promise<void>[] = [deps.chains.commit(stream, chain, remaining, own)];
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
    return Promise.all(writes).then(() => undefined);
  }

  /** Waits for the Redis writes after an ack; failures only cost speed (logged, rarely). */
  private async settle(writes: Promise<void>[], mode: LockMode, logger: Logger): Promise<void> {
    const results = await Promise.allSettled(writes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && mode === 'redis' && Date.now() - this.lastCacheWarning > 10_000) {
      this.lastCacheWarning = Date.now();
      logger.warn({ err: failed.reason }, 'redis: could not record the appended event');
    }
  }

  private async snapshot(
    needs: SnapshotNeeds,
    chain: readonly OwnEvent[],
    withState: boolean,
    logger: Logger,
  ): Promise<ProjectionSnapshot & { readonly fresh: boolean }> {
    const { deps } = this;
    // Postgres failed a moment ago: do not wait for it on every append while the cache knows
    // the stream (an unknown stream still tries Postgres: better slow than 503).
    if (Date.now() < this.storeDownUntil) {
      const cached = await this.fromCache(needs.stream, withState);
      if (cached) return cached;
    }
    try {
      const snapshot = await deps.snapshots.snapshot(needs.stream, {
        probe: probeIds(chain),
        idempotencyKey: needs.idempotencyKey,
        causedBy: needs.causedBy,
        eventId: needs.eventId,
        withState,
      });
      return { ...snapshot, fresh: true };
    } catch (error) {
      if (!isConcordError(error, 'STORE_UNAVAILABLE')) throw error;
      if (Date.now() >= this.storeDownUntil) {
        logger.warn({ err: error }, 'projection unreachable: using the cached heads');
      }
      this.storeDownUntil = Date.now() + 1000;
      const cached = await this.fromCache(needs.stream, withState);
      if (cached) return cached;
      throw new ConcordError(
        'STORE_UNAVAILABLE',
        `the projection is unreachable and the heads of stream ${needs.stream} are not cached`,
        { details: { stream: needs.stream }, cause: error },
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
   * The prepared data (in the version the module reads) at the type's write version, and that
   * version: what goes into `data` and `meta.schemaVersion` (docs/schema-evolution.md).
   */
  private encode(
    domain: DomainModule,
    type: string,
    data: JsonObject,
  ): { readonly data: JsonObject; readonly version: number } {
    let encoded: { data: unknown; version: number };
    try {
      encoded = encodeForWrite(domain, type, data);
    } catch (error) {
      if (error instanceof ConcordError) throw error;
      throw new ConcordError('INTERNAL', `a downcaster of domain ${domain.category} failed`, {
        cause: error,
      });
    }
    if (!isJsonObject(encoded.data) || findNonJson(encoded.data, ENVELOPE_LIMITS.maxDepth)) {
      throw new ConcordError(
        'INTERNAL',
        `a downcaster of domain ${domain.category} returned no valid JSON object`,
      );
    }
    return { data: encoded.data, version: encoded.version };
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
}
