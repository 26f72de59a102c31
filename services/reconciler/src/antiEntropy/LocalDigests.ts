import {
  bucketOf,
  digestLine,
  EMPTY_SET_SUM,
  sumOfHashes,
  type BucketRollup,
  type DomainRegistry,
  type RegionId,
  type StreamId,
} from '@concord/core';
import {
  allOffsets,
  changeCount,
  envelopesByStream,
  ident,
  inTransaction,
  nonEmptyBuckets,
  PROJECTION_SCHEMA,
  readOnlySnapshot,
  storedStates,
  streamSummaries,
  type pg,
  type StreamSummaryRow as SummaryRow,
} from '@concord/postgres';
import {
  independentDigest,
  rowProblems,
  UNREADABLE,
  type IndependentDigest,
  type ProjectionProblem,
} from './independentDigest.js';

export {
  PROJECTION_PROBLEMS,
  type IndependentDigest,
  type ProjectionProblem,
} from './independentDigest.js';

/** A consistent picture of this region's projection, computed independently. */
export interface DigestSnapshot {
  readonly region: RegionId;
  /** When the read transaction started (ms since the epoch). */
  readonly computedAt: number;
  readonly durationMs: number;
  readonly streamCount: number;
  readonly eventCount: number;
  /** Bucket roll-ups (semantics §8) of the independent digests. */
  readonly rollups: BucketRollup;
  readonly digests: ReadonlyMap<StreamId, IndependentDigest>;
  /** Stored stream rows that disagree with the independent fold. */
  readonly mismatches: readonly { stream: StreamId; problems: readonly ProjectionProblem[] }[];
  /**
   * Streams this code cannot fold independently: they hold events of a schema version (or type)
   * newer than this reconciler's domain modules (its mirror runs newer code). Their digest is
   * the stored row's, compared across regions but not checked here; upgrade the reconciler.
   */
  readonly unverified: readonly { stream: StreamId; reason: 'schema-version' }[];
  /** Stored bucket roll-ups that differ from the roll-up of the stored rows' lines. */
  readonly bucketMismatches: readonly number[];
  /** The mirror's consumed positions, `topic:partition` → next offset, same snapshot. */
  readonly offsets: ReadonlyMap<string, bigint>;
  /** Streams refolded for this snapshot (the others came from the cache). */
  readonly refolded: number;
}

interface FoldEntry {
  key: string;
  digest: IndependentDigest;
}

interface CheckEntry {
  key: string;
  problems: ProjectionProblem[];
}

const S = ident(PROJECTION_SCHEMA);
/** Streams per statement of the refold and the state reads. */
const CHUNK = 500;

/**
 * This region's digests computed the only honest way (docs/semantics.md §8): event-set sums
 * from the `events` table, states from an independent `foldStream` of the stored events — the
 * stored `streams` row and `digest_buckets` are what it checks, never what it trusts.
 *
 * Cheap enough to run every few seconds: one read-only REPEATABLE READ transaction reads a
 * per-stream summary (count, max and sum of `applied_seq` of its events, and an md5 of its
 * stored row); a stream is refolded only when its events changed, and its stored row is
 * re-checked only when the row or the events changed.
 */
export class LocalDigests {
  private readonly folds = new Map<StreamId, FoldEntry>();
  private readonly checks = new Map<StreamId, CheckEntry>();
  private last: DigestSnapshot | undefined;
  /** Bucket sums of the last round, by the lines they summed: unchanged buckets cost a join. */
  private readonly sums = new Map<string, { key: string; sum: string }>();
  private lastFingerprint = '';
  /** `change_seq` as read before the last full read, and when that read started. */
  private lastChanges: string | undefined;
  private lastFullAt = 0;
  private running: Promise<DigestSnapshot> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly region: RegionId,
    private readonly registry: DomainRegistry,
    private readonly now: () => number = Date.now,
    /** Longest time between two full reads, even when `change_seq` says nothing changed. */
    private readonly fullEveryMs = 60_000,
  ) {}

  /** The last snapshot, if any. */
  get latest(): DigestSnapshot | undefined {
    return this.last;
  }

  /**
   * A snapshot no older than `maxAgeMs` (0: one started after this call). Concurrent callers
   * share one computation.
   */
  async snapshot(maxAgeMs = 0): Promise<DigestSnapshot> {
    const asked = this.now();
    for (;;) {
      if (this.last && this.last.computedAt >= asked - maxAgeMs) return this.last;
      if (this.running) {
        await this.running.catch(() => undefined);
        continue;
      }
      this.running = this.compute().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
  }

  private async compute(): Promise<DigestSnapshot> {
    const started = this.now();
    // No statement wrote what a digest reads since the last full read (change_seq, read
    // before it): the same picture, newly dated, without reading every stream. A full read
    // still runs at least every `fullEveryMs`.
    const changes = await changeCount(this.pool, S);
    const last = this.last;
    if (last && changes === this.lastChanges && started - this.lastFullAt < this.fullEveryMs) {
      this.last = { ...last, computedAt: started, durationMs: this.now() - started, refolded: 0 };
      return this.last;
    }
    const result = await this.computeFull(started);
    this.lastChanges = changes;
    this.lastFullAt = started;
    return result;
  }

  private async computeFull(started: number): Promise<DigestSnapshot> {
    const snapshot = await inTransaction(this.pool, async (client) => {
      await readOnlySnapshot(client);
      const rows = await streamSummaries(client, S);
      const present = new Set(rows.map((r) => r.stream));
      let removed = 0;
      for (const stream of [...this.folds.keys()])
        if (!present.has(stream) && this.folds.delete(stream)) removed++;
      for (const stream of [...this.checks.keys()])
        if (!present.has(stream) && this.checks.delete(stream)) removed++;

      // Refold the streams whose events changed.
      const eventsKey = (r: SummaryRow) => `${r.n}/${r.max_seq}/${r.sum_seq}`;
      const stale = rows.filter(
        (r) => r.n !== null && this.folds.get(r.stream)?.key !== eventsKey(r),
      );
      for (const r of rows) if (r.n === null) this.folds.delete(r.stream);
      for (let i = 0; i < stale.length; i += CHUNK) {
        const chunk = stale.slice(i, i + CHUNK);
        const byStream = await envelopesByStream(
          client,
          S,
          chunk.map((r) => r.stream),
        );
        for (const r of chunk) {
          const list = byStream.get(r.stream) ?? [];
          this.folds.set(r.stream, {
            key: eventsKey(r),
            digest: independentDigest(this.registry, r.stream, list),
          });
        }
      }

      // Check the stored rows whose row or events changed.
      const rowKey = (r: SummaryRow) =>
        `${eventsKey(r)}|${r.version}/${r.ids_hash}/${r.state_hash}/${r.heads?.join(',')}/${r.state_md5}`;
      const toCheck = rows.filter((r) => this.checks.get(r.stream)?.key !== rowKey(r));
      const needState = toCheck.filter((r) => r.n !== null && r.state_md5 !== null);
      const states = new Map<StreamId, unknown>();
      for (let i = 0; i < needState.length; i += CHUNK) {
        const chunk = needState.slice(i, i + CHUNK).map((r) => r.stream);
        for (const [stream, state] of await storedStates(client, S, chunk))
          states.set(stream, state);
      }
      for (const r of toCheck) {
        this.checks.set(r.stream, {
          key: rowKey(r),
          problems: rowProblems(r, this.folds.get(r.stream)?.digest, states.get(r.stream)),
        });
      }

      const buckets = await nonEmptyBuckets(client, S);
      const offsets = await allOffsets(client, S);
      const unchanged = removed === 0 && stale.length === 0 && toCheck.length === 0;
      return { rows, buckets, offsets, refolded: stale.length, unchanged };
    });
    // Nothing moved since the last round (no event, row, bucket or offset changed): the same
    // picture, newly dated, without re-deriving every stream's line.
    const fingerprint = JSON.stringify([
      snapshot.buckets,
      snapshot.offsets.map((o) => `${o.topic}:${o.partition}@${o.next}`),
      snapshot.rows.length,
    ]);
    const last = this.last;
    if (snapshot.unchanged && last && fingerprint === this.lastFingerprint) {
      this.last = { ...last, computedAt: started, durationMs: this.now() - started, refolded: 0 };
      return this.last;
    }
    this.lastFingerprint = fingerprint;

    const digests = new Map<StreamId, IndependentDigest>();
    const unverified: DigestSnapshot['unverified'][number][] = [];
    const storedRows = new Map(snapshot.rows.map((r) => [r.stream, r] as const));
    for (const [stream, entry] of this.folds) {
      const digest = entry.digest;
      const row = storedRows.get(stream);
      if (digest.stateHash === UNREADABLE) {
        // The stored row's digest, for the cross-region comparison only (other regions' own
        // independent folds still check it); reported, never trusted as verified.
        unverified.push({ stream, reason: 'schema-version' });
        digests.set(stream, {
          ...digest,
          stateHash: row?.state_hash ?? UNREADABLE,
          heads: [...(row?.heads ?? [])].sort(),
          version: row?.version ?? 0,
        });
      } else digests.set(stream, digest);
    }
    const lines = new Map<number, string[]>();
    const storedLines = new Map<number, string[]>();
    let eventCount = 0;
    for (const digest of digests.values()) {
      eventCount += digest.eventCount;
      const list = lines.get(digest.bucket);
      if (list) list.push(digestLine(digest));
      else lines.set(digest.bucket, [digestLine(digest)]);
    }
    for (const r of snapshot.rows) {
      if (r.ids_hash === null || r.state_hash === null) continue;
      const bucket = bucketOf(r.stream);
      const line = digestLine({
        stream: r.stream,
        eventSetHash: r.ids_hash,
        stateHash: r.state_hash,
      });
      const list = storedLines.get(bucket);
      if (list) list.push(line);
      else storedLines.set(bucket, [line]);
    }
    const rollups: Record<number, string> = {};
    for (const [bucket, list] of [...lines].sort((a, b) => a[0] - b[0]))
      rollups[bucket] = this.sumOf(`i${bucket}`, list);
    const storedBuckets = new Map(snapshot.buckets.map((b) => [b.bucket, b.hash] as const));
    const bucketMismatches = [...new Set([...storedLines.keys(), ...storedBuckets.keys()])]
      .filter(
        (b) =>
          (storedBuckets.get(b) ?? EMPTY_SET_SUM) !== this.sumOf(`s${b}`, storedLines.get(b) ?? []),
      )
      .sort((a, b) => a - b);
    const mismatches = [...this.checks]
      .filter(([, c]) => c.problems.length > 0)
      .map(([stream, c]) => ({ stream, problems: c.problems }))
      .sort((a, b) => (a.stream < b.stream ? -1 : 1));
    const result: DigestSnapshot = {
      region: this.region,
      computedAt: started,
      durationMs: this.now() - started,
      streamCount: digests.size,
      eventCount,
      rollups,
      digests,
      mismatches,
      unverified: unverified.sort((a, b) => (a.stream < b.stream ? -1 : 1)),
      bucketMismatches,
      offsets: new Map(snapshot.offsets.map((o) => [`${o.topic}:${o.partition}`, o.next])),
      refolded: snapshot.refolded,
    };
    this.last = result;
    for (const name of [...this.sums.keys()]) {
      const bucket = Number(name.slice(1));
      if (!(name[0] === 'i' ? lines : storedLines).has(bucket)) this.sums.delete(name);
    }
    return result;
  }

  /** `sumOfHashes(list)`, reused from the last round when the bucket's lines are the same. */
  private sumOf(name: string, list: readonly string[]): string {
    const key = list.join('\n');
    const known = this.sums.get(name);
    if (known?.key === key) return known.sum;
    const sum = sumOfHashes(list);
    this.sums.set(name, { key, sum });
    return sum;
  }
}
