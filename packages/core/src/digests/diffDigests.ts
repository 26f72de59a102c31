import type { EventId, RegionId, StreamId } from '../envelope/Envelope.js';
import { bucketOf, type StreamDigest } from './streamDigest.js';

/** Bucket → roll-up hash, for the non-empty buckets of one region. */
export type BucketRollup = Readonly<Record<number, string>>;

/** The buckets whose roll-up differs between any two regions (absent counts as different), sorted. */
export function differingBuckets(rollups: Readonly<Record<RegionId, BucketRollup>>): number[] {
  const regions = Object.values(rollups);
  const buckets = new Set<number>();
  for (const rollup of regions) for (const key of Object.keys(rollup)) buckets.add(Number(key));
  return [...buckets]
    .filter((bucket) => new Set(regions.map((rollup) => rollup[bucket] ?? null)).size > 1)
    .sort((a, b) => a - b);
}

/** How one stream differs between regions. */
export interface StreamDivergence {
  readonly stream: StreamId;
  readonly bucket: number;
  /** `events`: the id sets differ; `state`: equal id sets but different states. */
  readonly kind: 'events' | 'state';
  /** Per region, `null` where the region has no event of the stream. */
  readonly eventSetHashes: Readonly<Record<RegionId, string | null>>;
  readonly stateHashes: Readonly<Record<RegionId, string | null>>;
}

/** The streams whose digests differ, given each region's digests (of the differing buckets). */
export function differingStreams(
  digests: Readonly<Record<RegionId, readonly StreamDigest[]>>,
): StreamDivergence[] {
  const regions = Object.keys(digests).sort();
  const byRegion = new Map(
    regions.map((r) => [r, new Map((digests[r] ?? []).map((d) => [d.stream, d]))]),
  );
  const streams = new Set<StreamId>();
  for (const map of byRegion.values()) for (const stream of map.keys()) streams.add(stream);
  const result: StreamDivergence[] = [];
  for (const stream of [...streams].sort()) {
    const eventSetHashes: Record<RegionId, string | null> = {};
    const stateHashes: Record<RegionId, string | null> = {};
    for (const region of regions) {
      const digest = byRegion.get(region)?.get(stream);
      eventSetHashes[region] = digest?.eventSetHash ?? null;
      stateHashes[region] = digest?.stateHash ?? null;
    }
    const eventsDiffer = new Set(Object.values(eventSetHashes)).size > 1;
    const statesDiffer = new Set(Object.values(stateHashes)).size > 1;
    if (eventsDiffer || statesDiffer) {
      result.push({
        stream,
        bucket: bucketOf(stream),
        kind: eventsDiffer ? 'events' : 'state',
        eventSetHashes,
        stateHashes,
      });
    }
  }
  return result;
}

/**
 * Per region, the ids it misses: present in some region's set and not in its own. Regions
 * missing nothing map to `[]`.
 */
export function missingEventIds(
  idSets: Readonly<Record<RegionId, Iterable<EventId>>>,
): Record<RegionId, EventId[]> {
  const sets = Object.entries(idSets).map(([region, ids]) => [region, new Set(ids)] as const);
  const union = new Set<EventId>();
  for (const [, set] of sets) for (const id of set) union.add(id);
  const sorted = [...union].sort();
  const missing: Record<RegionId, EventId[]> = {};
  for (const [region, set] of sets) missing[region] = sorted.filter((id) => !set.has(id));
  return missing;
}

/** The verdict of a digest comparison: `converged` only when nothing at all differs. */
export interface DigestDiff {
  readonly converged: boolean;
  readonly buckets: readonly number[];
  readonly streams: readonly (StreamDivergence & {
    readonly missing?: Readonly<Record<RegionId, EventId[]>>;
  })[];
}

/**
 * Compares regions level by level: bucket roll-ups, then (when given) the stream digests, then
 * (when given) the id sets of differing streams, which name per region the missing event ids.
 * Streams of non-differing buckets are ignored.
 */
export function diffDigests(input: {
  readonly rollups: Readonly<Record<RegionId, BucketRollup>>;
  readonly streams?: Readonly<Record<RegionId, readonly StreamDigest[]>>;
  readonly eventIds?: (
    stream: StreamId,
  ) => Readonly<Record<RegionId, Iterable<EventId>>> | undefined;
}): DigestDiff {
  const buckets = differingBuckets(input.rollups);
  const wanted = new Set(buckets);
  let streams: DigestDiff['streams'] = [];
  if (input.streams) {
    const filtered: Record<RegionId, StreamDigest[]> = {};
    for (const [region, digests] of Object.entries(input.streams)) {
      filtered[region] = digests.filter((d) => wanted.has(bucketOf(d.stream)));
    }
    streams = differingStreams(filtered).map((divergence) => {
      const ids = divergence.kind === 'events' ? input.eventIds?.(divergence.stream) : undefined;
      return ids ? { ...divergence, missing: missingEventIds(ids) } : divergence;
    });
  }
  return { converged: buckets.length === 0 && streams.length === 0, buckets, streams };
}
