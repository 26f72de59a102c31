import type { EventId, Hlc, RegionId } from '@concord/core';

/** A head of a stream as the writer needs it: its id and clock (parents' hlcs bound the new one). */
export interface HeadRef {
  readonly id: EventId;
  readonly hlc: Hlc;
  /** The region that wrote it, when known (for the clock-skew metric). */
  readonly origin?: RegionId;
}

/**
 * One of this region's own appended events that the projection may not contain yet. Own
 * appends of a stream are serialised, so these entries form a chain: each one has the
 * previous one among its parents.
 */
export interface ChainEntry {
  readonly id: EventId;
  readonly parents: readonly EventId[];
  readonly hlc: Hlc;
}

/** Sorts heads by id (the order `parents` uses), without mutating the input. */
export function sortHeads(heads: readonly HeadRef[]): HeadRef[] {
  return [...heads].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
