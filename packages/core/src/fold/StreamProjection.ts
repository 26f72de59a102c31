import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import type { Reducer } from '../domain/DomainModule.js';
import { recomputeFrom } from './recomputeFrom.js';
import { stablePrefixLength } from './stablePrefixLength.js';
import { DEFAULT_CHECKPOINT_EVERY, type Checkpoint, type StreamFold } from './StreamFold.js';

/** What one {@link StreamProjection.apply} did. */
export interface ProjectionUpdate {
  /** Events appended on the fast path (`state = evolve(state, event)`). */
  readonly fastPath: number;
  /** Snapshot position the slow path resumed from, when it ran. */
  readonly recomputedFrom: number | undefined;
  /** Events recomputed by the slow path (the suffix after the snapshot plus the new ones). */
  readonly recomputed: number;
  /** Events ignored because they were already applied. */
  readonly duplicates: number;
}

/**
 * One stream folded incrementally in memory, with the same pure steps the mirror runs against
 * Postgres: fast path when a new event follows the last event of the order, otherwise the
 * snapshot rule and {@link recomputeFrom}. Equal to {@link foldStream} of the same set, always.
 */
export class StreamProjection<S, E extends UnsignedEnvelope = UnsignedEnvelope> {
  private order: E[] = [];
  private readonly positions = new Map<EventId, number>();
  private checkpoints: Checkpoint<S>[];
  private keys = new Map<string, EventId>();
  private readonly noops = new Set<EventId>();
  private headSet = new Set<EventId>();
  private current: S;
  private readonly every: number;

  constructor(
    readonly stream: StreamId,
    private readonly reducer: Reducer<S>,
    options: { checkpointEvery?: number } = {},
  ) {
    this.every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    this.current = reducer.initialState();
    this.checkpoints = [{ position: 0, state: this.current }];
  }

  get state(): S {
    return this.current;
  }

  get version(): number {
    return this.order.length;
  }

  /** Sorted. */
  get heads(): EventId[] {
    return [...this.headSet].sort();
  }

  has(id: EventId): boolean {
    return this.positions.has(id);
  }

  positionOf(id: EventId): number | undefined {
    return this.positions.get(id);
  }

  /** The applied events in fold order. */
  events(): readonly E[] {
    return this.order;
  }

  /**
   * Applies events that passed the causal gate (each after its parents; duplicates ignored).
   * Leading events that follow the end of the order take the fast path; from the first one
   * that does not, the rest of the batch goes through one slow-path recompute.
   */
  apply(batch: readonly E[]): ProjectionUpdate {
    const fresh: E[] = [];
    const seen = new Set<EventId>();
    for (const event of batch) {
      if (!this.positions.has(event.id) && !seen.has(event.id)) fresh.push(event);
      seen.add(event.id);
    }
    let fastPath = 0;
    while (fastPath < fresh.length && this.appendIfLast(fresh[fastPath] as E)) fastPath++;
    const rest = fresh.slice(fastPath);
    if (rest.length === 0) {
      return {
        fastPath,
        recomputedFrom: undefined,
        recomputed: 0,
        duplicates: batch.length - fresh.length,
      };
    }
    const bound = stablePrefixLength(rest, (id) => this.positions.get(id), this.order.length);
    const checkpoint = this.checkpoints[Math.floor(bound / this.every)] as Checkpoint<S>;
    const from = checkpoint.position;
    const prefixKeys = [...this.keys].filter(([, id]) => (this.positions.get(id) as number) < from);
    const suffix = this.order.slice(from);
    const result = recomputeFrom({
      stream: this.stream,
      reducer: this.reducer,
      snapshot: { position: from, state: checkpoint.state, idempotencyKeys: prefixKeys },
      suffix,
      added: rest,
      heads: [...this.headSet],
      checkpointEvery: this.every,
    });
    for (const event of suffix) this.noops.delete(event.id);
    for (const id of result.noops) this.noops.add(id);
    this.order = [...this.order.slice(0, from), ...result.order];
    result.order.forEach((event, i) => this.positions.set(event.id, from + i));
    this.keys = new Map(result.idempotencyKeys);
    this.checkpoints = [
      ...this.checkpoints.slice(0, Math.floor(from / this.every) + 1),
      ...result.checkpoints,
    ];
    this.headSet = new Set(result.heads);
    this.current = result.state;
    return {
      fastPath,
      recomputedFrom: from,
      recomputed: result.order.length,
      duplicates: batch.length - fresh.length,
    };
  }

  /** The projection as a {@link StreamFold} (copies). */
  toFold(): StreamFold<S, E> {
    return {
      stream: this.stream,
      state: this.current,
      heads: this.heads,
      version: this.order.length,
      order: [...this.order],
      noops: this.order.filter((event) => this.noops.has(event.id)).map((event) => event.id),
      idempotencyKeys: new Map(this.keys),
      checkpoints: [...this.checkpoints],
    };
  }

  /** The fast path: the event's last parent is the last event of the order. */
  private appendIfLast(event: E): boolean {
    const version = this.order.length;
    let last = -1;
    for (const parent of event.parents) {
      const position = this.positions.get(parent);
      if (position === undefined) return false;
      if (position > last) last = position;
    }
    if (last !== version - 1) return false;
    const key = event.idempotencyKey;
    if (key !== undefined && this.keys.has(key)) this.noops.add(event.id);
    else {
      if (key !== undefined) this.keys.set(key, event.id);
      this.current = this.reducer.evolve(this.current, event);
    }
    this.order.push(event);
    this.positions.set(event.id, version);
    this.headSet.add(event.id);
    for (const parent of event.parents) this.headSet.delete(parent);
    if ((version + 1) % this.every === 0)
      this.checkpoints.push({ position: version + 1, state: this.current });
    return true;
  }
}
