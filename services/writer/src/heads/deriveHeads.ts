import type { EventId } from '@concord/core';
import { sortHeads, type ChainEntry, type HeadRef } from './HeadRef.js';

export interface HeadsInput {
  /** The heads of the stream in the regional projection (possibly stale, possibly empty). */
  readonly projectionHeads: readonly HeadRef[];
  /** This region's own appended events of the stream, oldest first (a chain). */
  readonly chain: readonly ChainEntry[];
  /** Which chain entries the projection is known to contain (a subset is enough, see below). */
  readonly projected: ReadonlySet<EventId>;
}

export interface DerivedHeads {
  /** The stream's current heads including own not-yet-projected events, sorted by id. */
  readonly heads: HeadRef[];
  /** The chain without its projected prefix: what is still worth remembering. */
  readonly remaining: ChainEntry[];
  /** How many entries were dropped from the front of the chain. */
  readonly dropped: number;
}

/**
 * The heads a new event must name as parents: the projection's heads plus this region's own
 * appended-but-not-yet-projected events (docs/writer.md, "Heads").
 *
 * The chain e1→…→ek is causally ordered and the projection's applied set is causally closed,
 * so the projected entries form a prefix: the prefix up to the last entry known to be
 * projected is dropped. If nothing remains, the projection's heads are the heads. Otherwise
 * heads = {ek} ∪ (projectionHeads − ⋃ parents(ei)): a projection head that is an ancestor of
 * some remaining ei was a head when that ei was written, hence is one of its parents; every
 * other projection head is concurrent with the chain, or descends from a dropped entry.
 *
 * Knowing only some projected entries is safe as long as the last entry is among the probed
 * ones (callers always probe it): a projected entry kept in the chain only subtracts its own
 * parents, which are not projection heads anyway (they have a projected child).
 */
export function deriveHeads(input: HeadsInput): DerivedHeads {
  const { chain, projected } = input;
  let cut = 0;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (projected.has(chain[i]!.id)) {
      cut = i + 1;
      break;
    }
  }
  const remaining = chain.slice(cut);
  const last = remaining[remaining.length - 1];
  if (last === undefined) {
    return { heads: sortHeads(input.projectionHeads), remaining, dropped: cut };
  }
  const open = new Map(input.projectionHeads.map((h) => [h.id, h]));
  for (const entry of remaining) {
    if (open.size === 0) break;
    open.delete(entry.id);
    for (const parent of entry.parents) open.delete(parent);
  }
  return {
    heads: sortHeads([{ id: last.id, hlc: last.hlc }, ...open.values()]),
    remaining,
    dropped: cut,
  };
}

/**
 * The chain entries worth asking the projection about: all of a short chain; for a long one
 * (the mirror lagging), the last entry (needed: when it is projected, the projection's heads
 * are the whole answer) plus evenly spaced samples, so the projected prefix is found
 * approximately in one query and forgotten over the next appends.
 */
export function probeIds(chain: readonly ChainEntry[], max = 64): EventId[] {
  if (chain.length <= max) return chain.map((e) => e.id);
  const ids = new Set<EventId>();
  const step = (chain.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) ids.add(chain[Math.round(i * step)]!.id);
  ids.add(chain[chain.length - 1]!.id);
  return [...ids];
}
