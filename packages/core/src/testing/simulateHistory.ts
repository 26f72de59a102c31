import { createHash } from 'node:crypto';
import { HybridLogicalClock } from '../clock/HybridLogicalClock.js';
import type { Hlc } from '../clock/Hlc.js';
import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { newEventId } from '../envelope/ids.js';
import { withSchemaVersion } from '../envelope/schemaVersion.js';
import { isConcordError } from '../errors/ConcordError.js';
import type { JsonObject } from '../json/JsonValue.js';
import { buildManualMerge, buildMerge } from '../conflicts/buildMerge.js';
import { RESOLUTION_POLICIES } from '../domain/DomainModule.js';
import type { DomainRegistry } from '../domain/DomainRegistry.js';
import { StreamProjection } from '../fold/StreamProjection.js';

/** One step of a simulated multi-region history. Indexes wrap around the option lists. */
export type SimulationOp =
  | {
      readonly op: 'write';
      readonly region: number;
      readonly stream: number;
      readonly type: string;
      readonly data: JsonObject;
      readonly idempotencyKey?: string;
      /** Make it `causedBy` the last event this region applied in another stream. */
      readonly causedByOtherStream?: boolean;
      /** Physical time passing before the write (ms). */
      readonly advanceMs?: number;
    }
  /** Region `to` receives everything region `from` has applied, in `from`'s order. */
  | { readonly op: 'sync'; readonly from: number; readonly to: number }
  /** Region `region` emits the policy merge of a stream it sees conflicted (a reconciler). */
  | { readonly op: 'merge'; readonly region: number; readonly stream: number }
  /** An operator in `region` resolves a conflicted stream by keeping head number `choose`. */
  | {
      readonly op: 'manual';
      readonly region: number;
      readonly stream: number;
      readonly choose: number;
    };

export interface SimulationOptions {
  readonly regions: readonly RegionId[];
  readonly streams: readonly StreamId[];
  readonly registry: DomainRegistry;
  /** Per region, how far its physical clock is off (ms). */
  readonly clockSkewMs?: readonly number[];
  readonly startWall?: number;
  /** Seeds the random bits of event ids (reproducible histories). */
  readonly seed?: string;
}

export interface SimulatedHistory {
  /** Every event created, in creation order (writes and merges). */
  readonly events: readonly UnsignedEnvelope[];
  /** Per region, the events it applied, in its order (causal). */
  readonly applied: ReadonlyMap<RegionId, readonly UnsignedEnvelope[]>;
  /** Every merge emitted, once per emission (regions emitting the same merge appear twice). */
  readonly merges: readonly UnsignedEnvelope[];
  /** Writes the domain's `prepare` rejected. */
  readonly rejected: number;
}

interface RegionState {
  readonly clock: HybridLogicalClock;
  readonly log: UnsignedEnvelope[];
  readonly known: Set<EventId>;
  readonly streams: Map<StreamId, StreamProjection<unknown>>;
}

/**
 * Runs a multi-region history in memory with the real core: each region has its own clock,
 * its own view of every stream (writers stamp parents from it and run the domain's `prepare`
 * on it), and regions exchange events only through `sync`. Deterministic for given ops and
 * options, which makes it a generator of realistic histories for property tests.
 */
export function simulateHistory(
  ops: readonly SimulationOp[],
  options: SimulationOptions,
): SimulatedHistory {
  const { regions, streams, registry } = options;
  let time = options.startWall ?? 1_767_225_600_000;
  let counter = 0;
  const seed = options.seed ?? 'concord-sim';
  const hlcs = new Map<EventId, Hlc>();
  const created: UnsignedEnvelope[] = [];
  const createdIds = new Set<EventId>();
  const merges: UnsignedEnvelope[] = [];
  let rejected = 0;
  const states: RegionState[] = regions.map((_, r) => ({
    clock: new HybridLogicalClock({
      now: () => time + (options.clockSkewMs?.[r] ?? 0),
      maxDriftMs: Infinity,
    }),
    log: [],
    known: new Set(),
    streams: new Map(),
  }));
  const at = <T>(list: readonly T[], index: number): T =>
    list[((index % list.length) + list.length) % list.length] as T;
  const projection = (region: RegionState, stream: StreamId) => {
    let p = region.streams.get(stream);
    if (!p) {
      p = new StreamProjection<unknown>(stream, registry.forStream(stream).reducer, {
        checkpointEvery: 4,
      });
      region.streams.set(stream, p);
    }
    return p;
  };
  const apply = (region: RegionState, event: UnsignedEnvelope) => {
    if (region.known.has(event.id)) return;
    region.known.add(event.id);
    region.log.push(event);
    hlcs.set(event.id, event.hlc);
    projection(region, event.stream).apply([event]);
  };
  const nextId = (msecs: number) =>
    newEventId({
      msecs,
      random: createHash('sha256').update(`${seed}:${counter++}`).digest().subarray(0, 16),
    });

  for (const step of ops) {
    if (step.op === 'sync') {
      const from = at(states, step.from);
      const to = at(states, step.to);
      if (from !== to) for (const event of [...from.log]) apply(to, event);
      continue;
    }
    const region = at(states, step.region);
    const stream = at(streams, step.stream);
    const view = projection(region, stream);
    const module = registry.forStream(stream);
    if (step.op === 'write') {
      time += step.advanceMs ?? 1;
      const parents = view.heads;
      const causedBy = step.causedByOtherStream
        ? [...region.log].reverse().find((event) => event.stream !== stream)?.id
        : undefined;
      let data = step.data;
      let version = 1;
      try {
        const prepared =
          module.prepare?.(view.state, {
            stream,
            type: step.type,
            data,
            idempotencyKey: step.idempotencyKey,
            causedBy,
          }) ?? data;
        // Written like a writer does: at the type's write version.
        ({ data, version } = registry.encodeForWrite(stream, step.type, prepared));
      } catch (error) {
        if (isConcordError(error, 'DOMAIN_REJECTED')) {
          rejected++;
          continue;
        }
        throw error;
      }
      const deps = [...parents, ...(causedBy === undefined ? [] : [causedBy])];
      const hlc = region.clock.stampAfter(deps.map((id) => hlcs.get(id) as Hlc));
      const event: UnsignedEnvelope = {
        v: 1,
        id: nextId(hlc.wall),
        stream,
        type: step.type,
        data,
        origin: at(regions, step.region),
        hlc,
        parents,
        ...(causedBy === undefined ? {} : { causedBy }),
        ...(step.idempotencyKey === undefined ? {} : { idempotencyKey: step.idempotencyKey }),
        meta: withSchemaVersion({}, version),
      };
      created.push(event);
      createdIds.add(event.id);
      apply(region, event);
      continue;
    }
    if (view.heads.length < 2) continue;
    const input = { fold: view.toFold(), module, regions };
    let merge: UnsignedEnvelope;
    if (step.op === 'manual')
      merge = buildManualMerge({
        ...input,
        resolution: { choose: at(view.heads, step.choose) },
      }).merge;
    else if (module.policy === RESOLUTION_POLICIES.manual) continue;
    else merge = buildMerge(input).merge;
    merges.push(merge);
    if (!createdIds.has(merge.id)) {
      created.push(merge);
      createdIds.add(merge.id);
    }
    apply(region, merge);
  }
  return {
    events: created,
    applied: new Map(regions.map((r, i) => [r, (states[i] as RegionState).log])),
    merges,
    rejected,
  };
}
