import type { EventId } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';

/**
 * The snapshot rule. In Kahn's order a new event cannot be emitted before its last parent, and
 * until then its arrival does not change which events are ready; so the current order is
 * unchanged up to and including the last parent's position. For several new events the
 * smallest bound wins (a new event whose parents include new events is bounded by those).
 *
 * Returns how many leading events of the current order stay in place: a snapshot at any
 * position ≤ this value is valid for {@link recomputeFrom}. When it equals the version (the
 * new events follow the last event in the order — in particular when their parents are the
 * heads), the slow path degenerates to the fast path: append and evolve.
 *
 * @param positionOf the position of an applied event of the stream.
 * @throws ConcordError INTERNAL (`details.reason: 'causal-gap'`) when a parent is neither applied nor among `added`.
 */
export function stablePrefixLength(
  added: readonly { id: EventId; parents: readonly EventId[] }[],
  positionOf: (id: EventId) => number | undefined,
  version: number,
): number {
  const addedIds = new Set(added.map((event) => event.id));
  let bound = version;
  for (const event of added) {
    let last = -1;
    let dependsOnAdded = false;
    for (const parent of event.parents) {
      if (addedIds.has(parent)) {
        dependsOnAdded = true;
        continue;
      }
      const position = positionOf(parent);
      if (position === undefined) {
        throw new ConcordError(
          'INTERNAL',
          `event ${event.id} has parent ${parent}, which is not applied`,
          {
            details: { reason: 'causal-gap', event: event.id, missing: parent },
          },
        );
      }
      if (position > last) last = position;
    }
    // Emitted after a new parent, so bounded by that parent's own bound.
    if (dependsOnAdded) continue;
    bound = Math.min(bound, last + 1);
  }
  return bound;
}
