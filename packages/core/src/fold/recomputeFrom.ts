import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import type { Reducer } from '../domain/DomainModule.js';
import { foldOrder } from './foldOrder.js';
import { DEFAULT_CHECKPOINT_EVERY, type Checkpoint } from './StreamFold.js';

/** A stored state from which the fold can be resumed. */
export interface FoldSnapshot<S> {
  /** How many events (in fold order) the state contains. */
  readonly position: number;
  readonly state: S;
  /** The idempotency keys taken by events before `position` (key → event id). */
  readonly idempotencyKeys?: Iterable<readonly [string, EventId]>;
}

export interface RecomputeInput<S, E extends UnsignedEnvelope> {
  readonly stream: StreamId;
  readonly reducer: Reducer<S>;
  /** A snapshot at a position ≤ `stablePrefixLength(added, …)`. */
  readonly snapshot: FoldSnapshot<S>;
  /** The applied events at positions ≥ `snapshot.position`, any order. */
  readonly suffix: readonly E[];
  /** The new events, any order (already in `suffix` counts as a duplicate and is ignored). */
  readonly added: readonly E[];
  /** The heads before `added`. */
  readonly heads: readonly EventId[];
  /** Distance between checkpoints. Default 128. */
  readonly checkpointEvery?: number;
}

export interface RecomputeResult<S, E extends UnsignedEnvelope> {
  /** `snapshot.position`: where the recomputed suffix starts. */
  readonly from: number;
  /** The new order from `from` on: `order[i]` is at position `from + i`. */
  readonly order: readonly E[];
  /** The state after every event. */
  readonly state: S;
  readonly heads: readonly EventId[];
  readonly version: number;
  /** Idempotency-key no-ops among `order`, in fold order. */
  readonly noops: readonly EventId[];
  /** Every key taken in the stream (snapshot's and the suffix's) → the event that took it. */
  readonly idempotencyKeys: ReadonlyMap<string, EventId>;
  /** States at each multiple of `checkpointEvery` in `(from, version]`. */
  readonly checkpoints: readonly Checkpoint<S>[];
}

/**
 * The heads after adding events: old heads and new ids, minus every id a new event names as
 * parent. Independent of the order of `added` (given a causally closed result).
 */
export function nextHeads(
  heads: Iterable<EventId>,
  added: readonly { id: EventId; parents: readonly EventId[] }[],
): EventId[] {
  const result = new Set(heads);
  for (const event of added) result.add(event.id);
  for (const event of added) for (const parent of event.parents) result.delete(parent);
  return [...result].sort();
}

/**
 * The slow path of the fold: resumes from a snapshot and recomputes the order and states of
 * everything after it, with the new events. Pure; the caller (the mirror, from Postgres, or
 * {@link StreamProjection} in memory) stores the result.
 *
 * The snapshot must not be later than the stable prefix (docs/semantics.md, "The snapshot
 * rule"): new events can only be emitted after their last parent, so the order up to the
 * smallest such position is unchanged and any snapshot within it is valid.
 */
export function recomputeFrom<S, E extends UnsignedEnvelope>(
  input: RecomputeInput<S, E>,
): RecomputeResult<S, E> {
  const every = input.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const from = input.snapshot.position;
  const inSuffix = new Set(input.suffix.map((event) => event.id));
  const added = input.added.filter((event) => !inSuffix.has(event.id));
  // Parents outside the suffix and the new events are in the prefix, which is emitted.
  const order = foldOrder([...input.suffix, ...added], () => true);
  const keys = new Map<string, EventId>(input.snapshot.idempotencyKeys ?? []);
  const noops: EventId[] = [];
  const checkpoints: Checkpoint<S>[] = [];
  let state = input.snapshot.state;
  let position = from;
  for (const event of order) {
    const key = event.idempotencyKey;
    if (key !== undefined && keys.has(key)) noops.push(event.id);
    else {
      if (key !== undefined) keys.set(key, event.id);
      state = input.reducer.evolve(state, event);
    }
    position++;
    if (position % every === 0) checkpoints.push({ position, state });
  }
  return {
    from,
    order,
    state,
    heads: nextHeads(input.heads, added),
    version: position,
    noops,
    idempotencyKeys: keys,
    checkpoints,
  };
}
