import type { RegionId, StreamId } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';
import { hashUint32 } from '../hash/sha256.js';

function sortedRegions(regions: Iterable<RegionId>): RegionId[] {
  const sorted = [...new Set(regions)].sort();
  if (sorted.length === 0) {
    throw new ConcordError('VALIDATION_FAILED', 'ownership needs at least one region', {
      details: { field: 'regions' },
    });
  }
  return sorted;
}

/**
 * The hash of the ownership rule: the first 4 bytes of SHA-256 of the stream id (UTF-8),
 * big-endian, as an unsigned integer.
 */
export function streamOwnershipHash(stream: StreamId): number {
  return hashUint32(stream);
}

/**
 * The owner region of a stream (docs/semantics.md §5): `sorted(regions)[hash(stream) mod n]`. Its
 * reconciler resolves the stream's conflicts; a merge's `origin` is always the owner, whoever
 * emits it.
 */
export function ownerRegion(stream: StreamId, regions: Iterable<RegionId>): RegionId {
  const sorted = sortedRegions(regions);
  return sorted[streamOwnershipHash(stream) % sorted.length] as RegionId;
}

/**
 * Who resolves when the owner cannot: the owner first, then the next regions in sorted order,
 * wrapping around.
 */
export function failoverOrder(stream: StreamId, regions: Iterable<RegionId>): RegionId[] {
  const sorted = sortedRegions(regions);
  const start = streamOwnershipHash(stream) % sorted.length;
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}

/**
 * The region that should resolve the stream now: the first of {@link failoverOrder} that is
 * reachable, or `undefined` when none is.
 */
export function responsibleRegion(
  stream: StreamId,
  regions: Iterable<RegionId>,
  isReachable: (region: RegionId) => boolean,
): RegionId | undefined {
  return failoverOrder(stream, regions).find(isReachable);
}
