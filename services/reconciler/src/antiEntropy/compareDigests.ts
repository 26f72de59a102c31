import type {
  BucketRollup,
  RegionId,
  StreamDigest,
  StreamDivergence,
  StreamId,
} from '@concord/core';
import type { DigestIdsResponse } from '../http/wire.js';
import type { PeerClient } from '../http/ServiceClients.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';
import { classifyMissing, type MissingEvent, type StreamEventIds } from './classifyMissing.js';
import type { RegionComparison } from './ConvergenceReport.js';
import type { DigestSnapshot } from './LocalDigests.js';
import { bucketsToDrill, streamsToDrill } from './planDrillDown.js';

function toRollup(buckets: Readonly<Record<string, string>>): BucketRollup {
  const rollup: Record<number, string> = {};
  for (const [bucket, hash] of Object.entries(buckets)) rollup[Number(bucket)] = hash;
  return rollup;
}

/** What one round learnt by comparing this region's digests with every reachable peer's. */
export interface DigestComparison {
  readonly regions: Record<RegionId, RegionComparison>;
  readonly offsets: Record<RegionId, ReadonlyMap<string, bigint> | undefined>;
  readonly mismatches: Record<RegionId, DigestSnapshot['mismatches']>;
  /** The regions that answered every level (this region included). */
  readonly reachable: ReadonlySet<RegionId>;
  /** Level 1: the buckets whose roll-ups differ. */
  readonly buckets: number[];
  /** Level 2: the streams whose digests differ in those buckets. */
  readonly divergences: StreamDivergence[];
  readonly stateDivergences: StreamDivergence[];
  /** Level 3: the events some region lacks, classified (see classifyMissing). */
  readonly missing: MissingEvent[];
}

/**
 * The drill-down of one anti-entropy round (docs/reconciler.md §4): bucket roll-ups of every
 * region, then stream digests of the differing buckets only, then ids of the streams whose
 * event sets differ. A peer that fails at any level is unreachable for the rest of the round.
 */
export async function compareDigests(input: {
  readonly self: RegionId;
  readonly local: DigestSnapshot;
  readonly peers: ReadonlyMap<RegionId, PeerClient>;
  readonly store: Pick<ReconcilerStore, 'streamIds'>;
  readonly isOriginTopic: (topic: string) => boolean;
  readonly readsDirectly?: ((topic: string, reader: RegionId) => boolean) | undefined;
}): Promise<DigestComparison> {
  const { self, local, peers, store } = input;
  const regions: Record<RegionId, RegionComparison> = {
    [self]: {
      reachable: true,
      computedAt: new Date(local.computedAt).toISOString(),
      streams: local.streamCount,
      events: local.eventCount,
    },
  };
  const rollups: Record<RegionId, BucketRollup> = { [self]: local.rollups };
  const offsets: Record<RegionId, ReadonlyMap<string, bigint> | undefined> = {
    [self]: local.offsets,
  };
  const mismatches: Record<RegionId, DigestSnapshot['mismatches']> = {};
  if (local.mismatches.length > 0) mismatches[self] = local.mismatches;
  const reachable = new Set<RegionId>([self]);
  const unreachable = (region: RegionId, error: unknown) => {
    reachable.delete(region);
    regions[region] = { reachable: false, error: (error as Error).message };
  };

  // Level 1: bucket roll-ups of every region.
  await Promise.all(
    [...peers].map(async ([region, peer]) => {
      try {
        const r = await peer.rollups(1000);
        regions[region] = {
          reachable: true,
          computedAt: r.computedAt,
          streams: r.streams,
          events: r.events,
        };
        rollups[region] = toRollup(r.buckets);
        offsets[region] = new Map(Object.entries(r.offsets).map(([k, v]) => [k, BigInt(v)]));
        if (r.projection.mismatches.length > 0) mismatches[region] = r.projection.mismatches;
        reachable.add(region);
      } catch (error) {
        unreachable(region, error);
      }
    }),
  );
  const compared = (): Record<RegionId, BucketRollup> =>
    Object.fromEntries(Object.entries(rollups).filter(([r]) => reachable.has(r)));
  const buckets = bucketsToDrill(compared());

  // Level 2: stream digests of the differing buckets only.
  let divergences: StreamDivergence[] = [];
  let eventStreams: StreamId[] = [];
  let stateDivergences: StreamDivergence[] = [];
  if (buckets.length > 0) {
    const digests: Record<RegionId, StreamDigest[]> = {
      [self]: [...local.digests.values()].filter((d) => buckets.includes(d.bucket)),
    };
    await Promise.all(
      [...peers]
        .filter(([r]) => reachable.has(r))
        .map(async ([region, peer]) => {
          try {
            digests[region] = [...(await peer.streamDigests(buckets, 60_000))];
          } catch (error) {
            unreachable(region, error);
          }
        }),
    );
    const drilled = streamsToDrill(
      Object.fromEntries(Object.entries(digests).filter(([r]) => reachable.has(r))),
      buckets,
    );
    divergences = drilled.divergences;
    eventStreams = drilled.events;
    stateDivergences = drilled.divergences.filter((d) => d.kind === 'state');
  }

  // Level 3: ids of the streams whose event sets differ.
  let missing: MissingEvent[] = [];
  if (eventStreams.length > 0) {
    const streams = eventStreams.slice(0, 5000);
    const byRegion = new Map<RegionId, DigestIdsResponse['streams']>();
    const localIds = await store.streamIds(streams);
    byRegion.set(self, Object.fromEntries(localIds));
    await Promise.all(
      [...peers]
        .filter(([r]) => reachable.has(r))
        .map(async ([region, peer]) => {
          try {
            byRegion.set(region, await peer.streamIds(streams));
          } catch (error) {
            unreachable(region, error);
          }
        }),
    );
    const perStream = new Map<StreamId, Record<RegionId, StreamEventIds>>();
    for (const stream of streams) {
      const views: Record<RegionId, StreamEventIds> = {};
      for (const [region, view] of byRegion) {
        if (reachable.has(region)) views[region] = view[stream] ?? { events: [], pending: [] };
      }
      perStream.set(stream, views);
    }
    missing = classifyMissing({
      streams: perStream,
      offsets,
      isOriginTopic: input.isOriginTopic,
      ...(input.readsDirectly ? { readsDirectly: input.readsDirectly } : {}),
    });
  }
  return {
    regions,
    offsets,
    mismatches,
    reachable,
    buckets,
    divergences,
    stateDivergences,
    missing,
  };
}
