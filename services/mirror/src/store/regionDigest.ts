import {
  foldStream,
  projectionStreamDigest,
  rollUpDigestSums,
  sha256Hex,
  type DomainRegistry,
  type Envelope,
  type StreamId,
} from '@concord/core';
import { ident, type pg } from '@concord/postgres';

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
  const buckets = await client.query<{ bucket: number; hash: string; streams: number }>(
    `select bucket, hash, streams from ${s}.digest_buckets where streams > 0 order by bucket`,
  );
  const events = await client.query<{ n: string }>(`select count(*) as n from ${s}.events`);
  return {
    streams: buckets.rows.reduce((n, r) => n + r.streams, 0),
    events: Number(events.rows[0]?.n ?? 0),
    buckets: buckets.rowCount ?? 0,
    digest: sha256Hex(buckets.rows.map((r) => `${r.bucket}:${r.hash}\n`).join('')),
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
  const rows = await client.query<{ stream: string; envelope: Envelope }>(
    `select stream, envelope from ${s}.events order by stream`,
  );
  const byStream = new Map<StreamId, Envelope[]>();
  for (const r of rows.rows) {
    const list = byStream.get(r.stream) ?? [];
    list.push(r.envelope);
    byStream.set(r.stream, list);
  }
  const streams = await client.query<{
    stream: string;
    ids_hash: string;
    state_hash: string;
    heads: string[];
    version: number;
  }>(`select stream, ids_hash, state_hash, heads, version from ${s}.streams`);
  const storedRows = new Map(streams.rows.map((r) => [r.stream, r]));
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
    events: rows.rowCount ?? 0,
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
