import { createHash } from 'node:crypto';
import type { Hlc } from '../clock/Hlc.js';
import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { newEventId } from '../envelope/ids.js';
import { withSchemaVersion } from '../envelope/schemaVersion.js';
import type { JsonObject } from '../json/JsonValue.js';

/** A test event: only what matters to the test; the factory fills in the rest. */
export interface EventSpec {
  readonly type: string;
  readonly data?: JsonObject;
  readonly stream?: StreamId;
  readonly origin?: RegionId;
  /** Default: the current heads of the stream in this factory. */
  readonly parents?: readonly EventId[];
  readonly hlc?: Hlc;
  readonly idempotencyKey?: string;
  readonly causedBy?: EventId;
  /** `meta.schemaVersion` (default: none, i.e. version 1). */
  readonly schemaVersion?: number;
}

/**
 * Builds valid unsigned envelopes for tests with reproducible ids (UUIDv7 from a counter) and
 * increasing hlcs. Keeps the heads of each stream it wrote to, so consecutive events chain.
 */
export class TestEventFactory {
  private counter = 0;
  private wall: number;
  private readonly heads = new Map<StreamId, EventId[]>();
  private readonly seed: string;
  readonly stream: StreamId;
  readonly origin: RegionId;

  constructor(
    options: { stream?: StreamId; origin?: RegionId; startWall?: number; seed?: string } = {},
  ) {
    this.stream = options.stream ?? 'test-1';
    this.origin = options.origin ?? 'us';
    this.wall = options.startWall ?? 1_767_225_600_000;
    this.seed = options.seed ?? 'concord-test';
  }

  /** A reproducible UUIDv7 (the counter seeds its random bits). */
  nextId(msecs: number = this.wall): EventId {
    const random = createHash('sha256')
      .update(`${this.seed}:${this.counter++}`)
      .digest()
      .subarray(0, 16);
    return newEventId({ msecs, random });
  }

  /** The heads this factory has produced for a stream, sorted. */
  headsOf(stream: StreamId = this.stream): EventId[] {
    return [...(this.heads.get(stream) ?? [])];
  }

  /** Builds one event; by default its parents are the stream's current heads here. */
  event(spec: EventSpec): UnsignedEnvelope {
    const stream = spec.stream ?? this.stream;
    const parents = [...new Set(spec.parents ?? this.headsOf(stream))].sort();
    const hlc = spec.hlc ?? { wall: ++this.wall, logical: 0 };
    this.wall = Math.max(this.wall, hlc.wall);
    const event: UnsignedEnvelope = {
      v: 1,
      id: this.nextId(hlc.wall),
      stream,
      type: spec.type,
      data: spec.data ?? {},
      origin: spec.origin ?? this.origin,
      hlc,
      parents,
      ...(spec.causedBy === undefined ? {} : { causedBy: spec.causedBy }),
      ...(spec.idempotencyKey === undefined ? {} : { idempotencyKey: spec.idempotencyKey }),
      meta: withSchemaVersion({}, spec.schemaVersion ?? 1),
    };
    this.record(event);
    return event;
  }

  /** Builds events one after the other (each the child of the previous). */
  chain(...specs: EventSpec[]): UnsignedEnvelope[] {
    return specs.map((spec) => this.event(spec));
  }

  /** Updates the heads with an event built elsewhere (e.g. a merge). */
  record(event: UnsignedEnvelope): void {
    const heads = new Set(this.heads.get(event.stream) ?? []);
    for (const parent of event.parents) heads.delete(parent);
    heads.add(event.id);
    this.heads.set(event.stream, [...heads].sort());
    this.wall = Math.max(this.wall, event.hlc.wall);
  }
}
