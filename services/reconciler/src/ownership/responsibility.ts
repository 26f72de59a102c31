import { failoverOrder, ownerRegion, type RegionId, type StreamId } from '@concord/core';

/** Who resolves a stream's conflicts right now, and why. */
export interface Responsibility {
  readonly owner: RegionId;
  /** The first reachable region of the failover order, or undefined when none is. */
  readonly responsible: RegionId | undefined;
  /** `owner` when this region owns the stream; `failover` when it stands in for the owner. */
  readonly role: 'owner' | 'failover' | 'none';
}

/**
 * The ownership rule of docs/semantics.md §5 seen from `self`: the owner resolves; when the owner is
 * unreachable, the next reachable region of {@link failoverOrder} does. Every region that sees
 * the same reachability picks the same region; regions that disagree (a partition) may both
 * act, which is harmless because both build the same merge (same id, same content).
 */
export function responsibility(
  stream: StreamId,
  regions: readonly RegionId[],
  self: RegionId,
  isReachable: (region: RegionId) => boolean,
): Responsibility {
  const owner = ownerRegion(stream, regions);
  const responsible = failoverOrder(stream, regions).find(
    (region) => region === self || isReachable(region),
  );
  const role = responsible !== self ? 'none' : self === owner ? 'owner' : 'failover';
  return { owner, responsible, role };
}
