import {
  foldStream,
  projectionStreamDigest,
  rollUpDigestSums,
  sha256Hex,
  type DomainRegistry,
  type StreamId,
} from '@concord/core';
import {
  envelopesByStream,
  eventCount,
  ident,
  nonEmptyBuckets,
  streamDigestRows,
  type pg,
} from '@concord/postgres';

/** A region's projection summed up: what replay prints before and after, what tests compare. */
export interface RegionDigest {
  readonly streams: number;
  readonly events: number;
  readonly buckets: number;
  /** SHA-256 over `bucket:hash\n` of every non-empty bucket, in bucket order. */
  readonly digest: string;
}

/** The region digest from the stored bucket roll-ups (`digest_buckets`). */
export async function regionDigest(client: pg.ClientBase, schema: string): Promise<RegionDigest> {
  const s = ident(schema);
  const buckets = await nonEmptyBuckets(client, s);
  return {
    streams: buckets.reduce((n, r) => n + r.streams, 0),
    events: await eventCount(client, s),
    buckets: buckets.length,
    digest: sha256Hex(buckets.map((r) => `${r.bucket}:${r.hash}\n`).join('')),
  };
}

/** What an independent check of a projection found. */
export interface ProjectionCheck {
  /** The digest recomputed from the events table with `foldStream` (never from stored state). */
  readonly recomputed: RegionDigest;
  /** The digest of the stored roll-ups. */
  readonly stored: RegionDigest;
  /** Streams whose stored row differs from the independent fold. */
  readonly mismatches: readonly {
    stream: StreamId;
    field: 'ids_hash' | 'state_hash' | 'heads' | 'version' | 'missing';
  }[];
  readonly ok: boolean;
}

/**
 * Checks a projection against itself the only honest way: refolds every stream from the events
 * table and compares the recomputed digests, heads and versions with the stored rows and the
 * bucket roll-ups. For tests and operators (O(projection): not for the hot path).
 */
export async function checkProjection(
  client: pg.ClientBase,
  schema: string,
  registry: DomainRegistry,
): Promise<ProjectionCheck> {
  const s = ident(schema);
  const byStream = await envelopesByStream(client, s);
  const storedRows = new Map((await streamDigestRows(client, s)).map((r) => [r.stream, r]));
  const digests = [];
  const mismatches: ProjectionCheck['mismatches'][number][] = [];
  for (const [stream, events] of byStream) {
    const fold = foldStream(events, registry.forStream(stream).reducer, { stream });
    const digest = projectionStreamDigest(
      stream,
      events.map((e) => e.id),
      fold.state,
    );
    digests.push(digest);
    const row = storedRows.get(stream);
    if (!row) {
      mismatches.push({ stream, field: 'missing' });
      continue;
    }
    if (row.ids_hash !== digest.eventSetHash) mismatches.push({ stream, field: 'ids_hash' });
    if (row.state_hash !== digest.stateHash) mismatches.push({ stream, field: 'state_hash' });
    if ([...row.heads].sort().join() !== fold.heads.join())
      mismatches.push({ stream, field: 'heads' });
    if (row.version !== fold.version) mismatches.push({ stream, field: 'version' });
  }
  for (const stream of storedRows.keys()) {
    if (!byStream.has(stream)) mismatches.push({ stream, field: 'missing' });
  }
  const rollup = rollUpDigestSums(digests);
  const bucketLines = Object.entries(rollup)
    .map(([bucket, hash]) => [Number(bucket), hash] as const)
    .sort((a, b) => a[0] - b[0]);
  const recomputed: RegionDigest = {
    streams: digests.length,
    events: [...byStream.values()].reduce((n, list) => n + list.length, 0),
    buckets: bucketLines.length,
    digest: sha256Hex(bucketLines.map(([b, h]) => `${b}:${h}\n`).join('')),
  };
  const stored = await regionDigest(client, schema);
  return {
    recomputed,
    stored,
    mismatches,
    ok: mismatches.length === 0 && recomputed.digest === stored.digest,
  };
}
