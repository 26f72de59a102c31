import type { EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';
import { BinaryHeap } from './BinaryHeap.js';

/** What the fold order reads of an event. */
export type Foldable = Pick<UnsignedEnvelope, 'id' | 'hlc' | 'origin' | 'parents'>;

/**
 * The tie-break between events that are ready at the same time: `(hlc.wall, hlc.logical,
 * origin, id)`, strings compared by UTF-16 code units. A total order, since ids are unique.
 */
export function compareFoldOrder(a: Foldable, b: Foldable): number {
  if (a.hlc.wall !== b.hlc.wall) return a.hlc.wall < b.hlc.wall ? -1 : 1;
  if (a.hlc.logical !== b.hlc.logical) return a.hlc.logical < b.hlc.logical ? -1 : 1;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/**
 * Kahn's algorithm with a priority queue: a topological order of the parent edges among
 * `events`, ready events taken smallest first by {@link compareFoldOrder}. Parents that are
 * not among `events` must be `emitted` already (the unchanged prefix of an incremental fold);
 * duplicates of an id are ignored.
 *
 * @throws ConcordError INTERNAL (`details.reason: 'causal-gap'`) when an event's parent is neither among `events` nor emitted
 * (the set is not causally closed) or the parent edges form a cycle.
 */
export function foldOrder<E extends Foldable>(
  events: readonly E[],
  emitted: (id: EventId) => boolean = () => false,
): E[] {
  const byId = new Map<EventId, E>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  const waiting = new Map<EventId, number>();
  const children = new Map<EventId, E[]>();
  const heap = new BinaryHeap<E>(compareFoldOrder);
  for (const event of byId.values()) {
    let count = 0;
    for (const parent of event.parents) {
      if (byId.has(parent)) {
        count++;
        const list = children.get(parent);
        if (list) list.push(event);
        else children.set(parent, [event]);
      } else if (!emitted(parent)) {
        throw new ConcordError(
          'INTERNAL',
          `event ${event.id} has parent ${parent}, which is not applied`,
          {
            details: { reason: 'causal-gap', event: event.id, missing: parent },
          },
        );
      }
    }
    if (count === 0) heap.push(event);
    else waiting.set(event.id, count);
  }
  const order: E[] = [];
  for (let next = heap.pop(); next !== undefined; next = heap.pop()) {
    order.push(next);
    for (const child of children.get(next.id) ?? []) {
      const left = (waiting.get(child.id) as number) - 1;
      if (left === 0) {
        waiting.delete(child.id);
        heap.push(child);
      } else waiting.set(child.id, left);
    }
  }
  if (order.length !== byId.size) {
    throw new ConcordError('INTERNAL', 'the parent edges of the stream form a cycle', {
      details: { reason: 'causal-gap', stuck: [...waiting.keys()].sort() },
    });
  }
  return order;
}
