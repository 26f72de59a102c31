import type { EventId } from '@concord/core';
import { sortHeads, type ChainEntry, type HeadRef } from './HeadRef.js';

export interface HeadsInput<E extends ChainEntry = ChainEntry> {
  /** The heads of the stream in the regional projection (possibly stale, possibly empty). */
  readonly projectionHeads: readonly HeadRef[];
  /**
   * This region's own appended events of the stream, in append order: a chain of ordinary
   * appends, possibly with merges among them (a merge names the conflict's heads).
   */
  readonly chain: readonly E[];
  /** Which own events the projection is known to contain (see `probeIds`). */
  readonly projected: ReadonlySet<EventId>;
}

export interface DerivedHeads<E extends ChainEntry = ChainEntry> {
  /** The stream's current heads including own not-yet-projected events, sorted by id. */
  readonly heads: HeadRef[];
  /** The own events still worth remembering (not known to be in the projection), in order. */
  readonly remaining: E[];
}

/**
 * The heads a new event must name as parents: the heads of (projection ∪ this region's own
 * appended-but-not-yet-projected events); see docs/writer.md, "Heads".
 *
 * 1. Own events known to be projected are dropped, with their own ancestors (the projection's
 *    applied set is causally closed, so those are projected too).
 * 2. Own heads = the remaining own events no remaining own event names as parent. Own
 *    appends are serialised, so without merges this is just the last one, ek.
 * 3. heads = own heads ∪ (projectionHeads − ⋃ parents(remaining) − remaining): a projection
 *    head that is an ancestor of a remaining own event was a head when that event was
 *    written, hence is among its parents; every other projection head is concurrent with the
 *    own events, or descends from a dropped (projected) one.
 *
 * Knowing only some projected own events is enough when every own head is among the probed
 * ones (`probeIds` makes sure): a projected own event kept by mistake is covered by a later
 * own event, so it only subtracts its own parents, which are not projection heads anyway.
 */
export function deriveHeads<E extends ChainEntry>(input: HeadsInput<E>): DerivedHeads<E> {
  const { chain, projected } = input;
  const byId = new Map(chain.map((e) => [e.id, e]));
  const dropped = new Set<EventId>();
  const pending = chain.filter((e) => projected.has(e.id)).map((e) => e.id);
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (dropped.has(id)) continue;
    dropped.add(id);
    for (const parent of byId.get(id)?.parents ?? []) {
      if (byId.has(parent) && !dropped.has(parent)) pending.push(parent);
    }
  }
  const remaining = dropped.size === 0 ? [...chain] : chain.filter((e) => !dropped.has(e.id));
  if (remaining.length === 0) return { heads: sortHeads(input.projectionHeads), remaining };
  const covered = new Set<EventId>();
  for (const entry of remaining) for (const parent of entry.parents) covered.add(parent);
  const own = remaining.filter((e) => !covered.has(e.id)).map((e) => ({ id: e.id, hlc: e.hlc }));
  const ownIds = new Set(remaining.map((e) => e.id));
  const others = input.projectionHeads.filter((h) => !covered.has(h.id) && !ownIds.has(h.id));
  return { heads: sortHeads([...own, ...others]), remaining };
}

/**
 * The own events worth asking the projection about: all of a short chain; for a long one
 * (the mirror lagging), every own head (needed: see `deriveHeads`) plus evenly spaced
 * samples, so the projected part is found approximately in one query and forgotten over the
 * next appends.
 */
export function probeIds(chain: readonly ChainEntry[], max = 64): EventId[] {
  if (chain.length <= max) return chain.map((e) => e.id);
  const covered = new Set<EventId>();
  for (const entry of chain) for (const parent of entry.parents) covered.add(parent);
  const ids = new Set<EventId>(chain.filter((e) => !covered.has(e.id)).map((e) => e.id));
  const step = (chain.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) ids.add(chain[Math.round(i * step)]!.id);
  return [...ids];
}
