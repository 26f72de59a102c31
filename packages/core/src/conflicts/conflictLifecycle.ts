import type { EventId, StreamId } from '../envelope/Envelope.js';
import { conflictId } from '../envelope/ids.js';

/** An open conflict as stored. */
export interface OpenConflict {
  readonly id: string;
  readonly stream: StreamId;
  /** Sorted. */
  readonly heads: readonly EventId[];
}

/** How an open conflict ends. */
export interface ConflictClosing {
  readonly id: string;
  readonly status: 'resolved' | 'superseded';
  /** For `resolved`: the event that merged the heads. */
  readonly resolvedBy?: EventId;
}

/** What the conflicts table needs after a stream's heads changed. */
export interface ConflictChanges {
  readonly closings: readonly ConflictClosing[];
  /** The id of the conflict to open (the stream has several heads and it is not open yet). */
  readonly open?: string;
}

function sameHeads(a: readonly EventId[], b: readonly EventId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The conflict lifecycle of one stream after a transaction (docs/semantics.md §5):
 * - an open conflict whose heads are no longer the stream's heads ends — `resolved` when the
 *   heads collapsed into one (`resolvedBy` = the first event in fold order that has every head
 *   of the conflict in its causal past: a `concord.merge` or an ordinary write that saw them
 *   all), `superseded` when the stream still has several heads (a concurrent event joined or
 *   only some heads were merged: the new conflict carries on);
 * - a stream with more than one head has an open conflict, id = UUIDv5 of stream + heads.
 */
export function conflictChanges(
  stream: StreamId,
  heads: readonly EventId[],
  open: readonly OpenConflict[],
  resolvedBy: (conflictHeads: readonly EventId[]) => EventId | undefined,
): ConflictChanges {
  const sorted = [...heads].sort();
  const current = sorted.length > 1 ? conflictId(stream, sorted) : undefined;
  const closings: ConflictClosing[] = [];
  for (const conflict of open) {
    if (conflict.id === current || sameHeads([...conflict.heads].sort(), sorted)) continue;
    if (sorted.length === 1) {
      const by = resolvedBy(conflict.heads);
      closings.push({ id: conflict.id, status: 'resolved', ...(by ? { resolvedBy: by } : {}) });
    } else closings.push({ id: conflict.id, status: 'superseded' });
  }
  const alreadyOpen = open.some((c) => c.id === current);
  return { closings, ...(current !== undefined && !alreadyOpen ? { open: current } : {}) };
}

/**
 * The first event, in fold order, whose causal past contains every one of `heads` (parents
 * walked within `order`), or undefined. `order` is the stream's fold order (topological).
 */
export function firstCovering(
  order: readonly { readonly id: EventId; readonly parents: readonly EventId[] }[],
  heads: readonly EventId[],
): EventId | undefined {
  const bit = new Map(heads.map((h, i) => [h, 1n << BigInt(i)] as const));
  const all = (1n << BigInt(heads.length)) - 1n;
  const mask = new Map<EventId, bigint>();
  for (const event of order) {
    let m = bit.get(event.id) ?? 0n;
    for (const parent of event.parents) m |= mask.get(parent) ?? 0n;
    mask.set(event.id, m);
    if (m === all && !bit.has(event.id)) return event.id;
  }
  return undefined;
}
