import {
  bucketOf,
  differingBuckets,
  differingStreams,
  type BucketRollup,
  type EventId,
  type RegionId,
  type StreamDigest,
  type StreamDivergence,
  type StreamId,
} from '@concord/core';
import type { DivergenceCandidate } from './DivergenceTracker.js';
import { MISSING_STATUS, type MissingEvent } from './classifyMissing.js';

/**
 * The pure steps of one anti-entropy comparison, level by level (docs/reconciler.md §4): bucket roll-ups →
 * the differing buckets only → their stream digests → the differing streams only → their ids →
 * what is missing where. Each level asks only for what the previous one found different.
 */

/** Level 1 → 2: the buckets whose roll-ups differ between any two regions. */
export function bucketsToDrill(rollups: Readonly<Record<RegionId, BucketRollup>>): number[] {
  return differingBuckets(rollups);
}

/**
 * Level 2 → 3: the differing streams of those buckets, split by what to ask next: `events`
 * streams need their ids (someone lacks events); `state` streams have equal id sets but
 * different independently folded states.
 */
export function streamsToDrill(
  digests: Readonly<Record<RegionId, readonly StreamDigest[]>>,
  buckets: readonly number[],
): { divergences: StreamDivergence[]; events: StreamId[]; state: StreamId[] } {
  const wanted = new Set(buckets);
  const filtered: Record<RegionId, StreamDigest[]> = {};
  for (const [region, list] of Object.entries(digests)) {
    filtered[region] = list.filter((d) => wanted.has(bucketOf(d.stream)));
  }
  const divergences = differingStreams(filtered);
  return {
    divergences,
    events: divergences.filter((d) => d.kind === 'events').map((d) => d.stream),
    state: divergences.filter((d) => d.kind === 'state').map((d) => d.stream),
  };
}

/**
 * What a region has consumed, as a fingerprint: every source partition's next offset, sorted.
 * It changes whenever that region's mirror makes progress on any source.
 */
export function consumedFingerprint(offsets: ReadonlyMap<string, bigint> | undefined): string {
  if (!offsets) return '?';
  return [...offsets]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/**
 * The candidates the confirmation rule watches: every missing event not provably in flight,
 * parked or held for its schema version (`lost` ones are proven at once), every `state`
 * divergence, and this region's stored rows that disagree with the independent fold.
 *
 * A missing event of `unknown` status (no comparable source offset: mm2 mode, or a repair)
 * carries the consumed offsets of the region that lacks it in its fingerprint: while that
 * region's mirror still consumes, the event may be in flight behind what it reads, and the
 * clock restarts; it is confirmed only once that region made no progress for an interval.
 */
export function divergenceCandidates(input: {
  readonly missing: readonly MissingEvent[];
  readonly stateDivergences: readonly StreamDivergence[];
  readonly localMismatches: readonly { stream: StreamId; fingerprint: string }[];
  /** Per region, `topic:partition` → next offset consumed (the digest summary's). */
  readonly offsets?: Readonly<Record<RegionId, ReadonlyMap<string, bigint> | undefined>>;
}): DivergenceCandidate[] {
  const candidates: DivergenceCandidate[] = [];
  for (const m of input.missing) {
    if (
      m.status === MISSING_STATUS.inFlight ||
      m.status === MISSING_STATUS.pending ||
      m.status === MISSING_STATUS.schemaVersion
    )
      continue;
    candidates.push({
      key: `missing:${m.region}:${m.id}`,
      fingerprint:
        m.status === MISSING_STATUS.unknown
          ? `${m.stream}|${consumedFingerprint(input.offsets?.[m.region])}`
          : m.stream,
      proven: m.status === MISSING_STATUS.lost,
    });
  }
  for (const d of input.stateDivergences) {
    candidates.push({
      key: `state:${d.stream}`,
      fingerprint: JSON.stringify([d.eventSetHashes, d.stateHashes]),
    });
  }
  for (const m of input.localMismatches) {
    candidates.push({ key: `local:${m.stream}`, fingerprint: m.fingerprint });
  }
  return candidates;
}

/** The streams a set of confirmed candidate keys is about. */
export function confirmedStreams(
  confirmed: ReadonlySet<string>,
  missing: readonly MissingEvent[],
): Set<StreamId> {
  const streams = new Set<StreamId>();
  for (const m of missing) if (confirmed.has(`missing:${m.region}:${m.id}`)) streams.add(m.stream);
  for (const key of confirmed) {
    if (key.startsWith('state:')) streams.add(key.slice('state:'.length));
    else if (key.startsWith('local:')) streams.add(key.slice('local:'.length));
  }
  return streams;
}

/**
 * Pull repair (level 3 → action): the confirmed events missing in `self`, grouped by the
 * region to copy them from (the first reachable holder in sorted order), minus those copied
 * recently (a copy takes a moment to be applied; repeating it is harmless but wasteful).
 */
export function planCopies(input: {
  readonly self: RegionId;
  readonly missing: readonly MissingEvent[];
  readonly confirmed: ReadonlySet<string>;
  readonly reachable: ReadonlySet<RegionId>;
  readonly recentlyCopied: (id: EventId) => boolean;
  readonly limit?: number;
}): Map<RegionId, EventId[]> {
  const plan = new Map<RegionId, EventId[]>();
  let planned = 0;
  for (const m of input.missing) {
    if (m.region !== input.self) continue;
    if (!input.confirmed.has(`missing:${m.region}:${m.id}`) || input.recentlyCopied(m.id)) continue;
    const from = m.holders.find((h) => h !== input.self && input.reachable.has(h));
    if (!from) continue;
    if (planned >= (input.limit ?? 10_000)) break;
    plan.set(from, [...(plan.get(from) ?? []), m.id]);
    planned++;
  }
  return plan;
}

/**
 * Recompute (same events, different state): this region's confirmed local mismatches, except
 * streams still missing events here (copy first: a recompute before the copy lands would only
 * be repeated) and streams recomputed recently.
 */
export function planRecomputes(input: {
  readonly self: RegionId;
  readonly confirmed: ReadonlySet<string>;
  readonly missing: readonly MissingEvent[];
  readonly recentlyRecomputed: (stream: StreamId) => boolean;
}): StreamId[] {
  const stillMissing = new Set(
    input.missing.filter((m) => m.region === input.self).map((m) => m.stream),
  );
  return [...input.confirmed]
    .filter((key) => key.startsWith('local:'))
    .map((key) => key.slice('local:'.length))
    .filter((stream) => !stillMissing.has(stream) && !input.recentlyRecomputed(stream))
    .sort();
}
