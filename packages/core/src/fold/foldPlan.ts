import type { Envelope, EventId, StreamId } from '../envelope/Envelope.js';
import { streamCategory } from '../envelope/streamCategory.js';
import { addToEventSetSum, EMPTY_SET_SUM } from '../digests/setSum.js';
import { bucketOf, stateHash } from '../digests/streamDigest.js';
import type { Reducer } from '../domain/DomainModule.js';
import { recomputeFrom } from './recomputeFrom.js';
import { stablePrefixLength } from './stablePrefixLength.js';
import type { Checkpoint } from './StreamFold.js';

/**
 * The fold plan of one apply transaction (docs/semantics.md §4, docs/mirror.md): which path
 * each touched stream's fold takes, what it must be given, and what changes. Pure: the store
 * supplies the data (its row, the checkpoint, the stored suffix, the taken keys) and writes
 * the outcome.
 */

/** A new event of a transaction: its id and envelope (the mirror's candidates carry more). */
export interface FoldCandidate {
  readonly id: EventId;
  readonly stream: StreamId;
  readonly envelope: Envelope;
}

/** A stream's stored row (what the fold resumes from). */
export interface StreamFoldRow {
  readonly stream: StreamId;
  readonly state: unknown;
  /** Sorted. */
  readonly heads: readonly EventId[];
  readonly version: number;
  readonly idsHash: string;
  readonly stateHash: string;
  readonly bucket: number;
}

/** Which path the fold takes for one stream in one transaction. */
export interface FoldPlan<C extends FoldCandidate = FoldCandidate> {
  readonly stream: StreamId;
  readonly added: readonly C[];
  readonly row: StreamFoldRow | undefined;
  /** How many leading events of the current order stay in place (the snapshot rule). */
  readonly bound: number;
  /** True when every new event follows the current last event: no stored event is read. */
  readonly fast: boolean;
}

/** Groups the accepted events by stream, keeping their (causal) order. */
export function groupByStream<C extends FoldCandidate>(accepted: readonly C[]): Map<StreamId, C[]> {
  const groups = new Map<StreamId, C[]>();
  for (const candidate of accepted) {
    const list = groups.get(candidate.stream);
    if (list) list.push(candidate);
    else groups.set(candidate.stream, [candidate]);
  }
  return groups;
}

/**
 * The snapshot rule for one stream (docs/semantics.md §4): the new events' parents that are
 * already applied have known positions; the order is stable up to the last of them.
 */
export function planFold<C extends FoldCandidate & { readonly parents: readonly EventId[] }>(
  stream: StreamId,
  added: readonly C[],
  row: StreamFoldRow | undefined,
  applied: ReadonlyMap<EventId, { readonly position: number }>,
): FoldPlan<C> {
  const version = row?.version ?? 0;
  const bound = stablePrefixLength(added, (id) => applied.get(id)?.position, version);
  return { stream, added, row, bound, fast: bound === version };
}

/** A stored event of the recomputed suffix, with what the store knows of it. */
export interface SuffixEvent {
  readonly envelope: Envelope;
  readonly position: number;
  readonly noop: boolean;
}

/** Everything the fold of one stream needs, loaded from the store. */
export interface FoldInput<C extends FoldCandidate = FoldCandidate> {
  readonly plan: FoldPlan<C>;
  readonly reducer: Reducer<unknown>;
  /** The checkpoint to resume from: position ≤ plan.bound (the row's state when fast). */
  readonly snapshot: Checkpoint<unknown>;
  /** The stored events at positions ≥ snapshot.position (empty on the fast path). */
  readonly suffix: readonly SuffixEvent[];
  /**
   * Idempotency keys taken by stored events before snapshot.position — at least those used by
   * the suffix and the new events (key → event id).
   */
  readonly takenKeys: ReadonlyMap<string, EventId>;
  readonly checkpointEvery: number;
}

/** What to write for one stream. */
export interface FoldOutcome<C extends FoldCandidate = FoldCandidate> {
  readonly stream: StreamId;
  readonly category: string;
  /** The first position that was (re)computed. */
  readonly from: number;
  readonly fast: boolean;
  /** The new events with their fold position and no-op flag, in the input (causal) order. */
  readonly inserts: readonly { candidate: C; position: number; noop: boolean }[];
  /** Stored events whose position or no-op flag changed. */
  readonly moves: readonly { id: EventId; position: number; noop: boolean }[];
  /** Checkpoints to store (after deleting the stream's checkpoints beyond `from`). */
  readonly checkpoints: readonly Checkpoint<unknown>[];
  readonly state: unknown;
  /** Sorted. */
  readonly heads: readonly EventId[];
  readonly version: number;
  readonly idsHash: string;
  readonly stateHash: string;
  readonly bucket: number;
  /** The row before this transaction. */
  readonly previous: StreamFoldRow | undefined;
  /** New events that are idempotency-key no-ops. */
  readonly newNoops: readonly EventId[];
}

/** Runs the fold of one stream (pure) and says what changed. */
export function foldOutcome<C extends FoldCandidate>(input: FoldInput<C>): FoldOutcome<C> {
  const { plan, snapshot } = input;
  const result = recomputeFrom<unknown, Envelope>({
    stream: plan.stream,
    reducer: input.reducer,
    snapshot: {
      position: snapshot.position,
      state: snapshot.state,
      idempotencyKeys: input.takenKeys,
    },
    suffix: input.suffix.map((s) => s.envelope),
    added: plan.added.map((c) => c.envelope),
    heads: plan.row?.heads ?? [],
    checkpointEvery: input.checkpointEvery,
  });
  const position = new Map<EventId, number>();
  result.order.forEach((event, i) => position.set(event.id, result.from + i));
  const noops = new Set(result.noops);
  const inserts = plan.added.map((candidate) => ({
    candidate,
    position: position.get(candidate.id) as number,
    noop: noops.has(candidate.id),
  }));
  const moves: { id: EventId; position: number; noop: boolean }[] = [];
  for (const stored of input.suffix) {
    const id = stored.envelope.id;
    const next = position.get(id) as number;
    const noop = noops.has(id);
    if (next !== stored.position || noop !== stored.noop) moves.push({ id, position: next, noop });
  }
  return {
    stream: plan.stream,
    category: streamCategory(plan.stream),
    from: result.from,
    fast: plan.fast,
    inserts,
    moves,
    checkpoints: result.checkpoints,
    state: result.state,
    heads: result.heads,
    version: result.version,
    idsHash: addToEventSetSum(
      plan.row?.idsHash ?? EMPTY_SET_SUM,
      plan.added.map((c) => c.id),
    ),
    stateHash: stateHash(result.state),
    bucket: plan.row?.bucket ?? bucketOf(plan.stream),
    previous: plan.row,
    newNoops: inserts.filter((i) => i.noop).map((i) => i.candidate.id),
  };
}

/** Idempotency keys used by the new events and the suffix (what `takenKeys` must cover). */
export function keysUsed(plan: FoldPlan, suffix: readonly SuffixEvent[]): string[] {
  const keys = new Set<string>();
  for (const c of plan.added) {
    if (c.envelope.idempotencyKey !== undefined) keys.add(c.envelope.idempotencyKey);
  }
  for (const s of suffix) {
    if (s.envelope.idempotencyKey !== undefined) keys.add(s.envelope.idempotencyKey);
  }
  return [...keys];
}
