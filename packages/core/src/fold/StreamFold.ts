import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';

/** The state after the first `position` events of the fold order (`position` 0: the initial state). */
export interface Checkpoint<S> {
  readonly position: number;
  readonly state: S;
}

/** A folded stream: the pure function of its applied event set (docs/semantics.md §4). */
export interface StreamFold<S, E extends UnsignedEnvelope = UnsignedEnvelope> {
  readonly stream: StreamId;
  readonly state: S;
  /** Events without children, sorted. More than one means an open conflict. */
  readonly heads: readonly EventId[];
  /** How many events are applied (no-ops included). */
  readonly version: number;
  /** Every applied event in fold order; the index is the event's position. */
  readonly order: readonly E[];
  /** Events whose idempotency key was already taken earlier in fold order, in fold order. */
  readonly noops: readonly EventId[];
  /** Each idempotency key of the stream and the event that took effect with it. */
  readonly idempotencyKeys: ReadonlyMap<string, EventId>;
  /** States at every multiple of the checkpoint interval (position 0 included). */
  readonly checkpoints: readonly Checkpoint<S>[];
}

/** Default distance between two checkpoints, in events. */
export const DEFAULT_CHECKPOINT_EVERY = 128;
