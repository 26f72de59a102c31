import type { Envelope, StreamId } from '@concord/core';
import { isRedisReady, mapRedisError, type Redis } from '@concord/redis';
import { LruMap } from '../support/LruMap.js';
import type { ChainEntry } from './HeadRef.js';

/** An own event of the chain; this process also keeps the envelope (for `prepare` and dedupe). */
export interface OwnEvent extends ChainEntry {
  readonly envelope?: Envelope;
  /** Serialized size of the envelope, for the memory bound. */
  readonly bytes?: number;
}

/** The chain as loaded for one append, and how its Redis copy must be updated afterwards. */
export interface LoadedChain {
  readonly entries: readonly OwnEvent[];
  /**
   * `in-sync`: Redis holds the same chain, append to it. `rewrite`: Redis missed some of this
   * process's entries (it was down) or is unreachable; rewrite it whole when it answers.
   */
  readonly redis: 'in-sync' | 'rewrite';
}

export interface OwnChainOptions {
  /** Longest chain kept per stream (older entries are forgotten; see docs/writer.md). */
  readonly cap: number;
  /** Lifetime of the Redis copy after the stream's last own append, in ms. */
  readonly ttlMs: number;
  /** Streams whose chain this process keeps in memory. */
  readonly maxStreams: number;
  /** Envelope bytes kept in memory over all chains. */
  readonly maxBytes: number;
}

interface LocalChain {
  readonly entries: readonly OwnEvent[];
  readonly bytes: number;
}

function parseEntry(raw: string): ChainEntry | undefined {
  try {
    const value = JSON.parse(raw) as ChainEntry;
    return typeof value?.id === 'string' && Array.isArray(value.parents) && value.hlc
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

const encode = (e: ChainEntry) => JSON.stringify({ id: e.id, parents: e.parents, hlc: e.hlc });

/**
 * This region's own appended events per stream that the projection may not contain yet (the
 * chain of docs/writer.md): in Redis `own:{stream}` (a list of `{id, parents, hlc}`, shared by
 * the region's writer processes) and an in-process copy that spares reading the list on every
 * append. Reading costs one `LINDEX`; the list is read whole only when another process
 * appended since.
 */
export class OwnChainStore {
  private readonly local: LruMap<StreamId, LocalChain>;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly options: OwnChainOptions,
  ) {
    this.local = new LruMap(options.maxStreams, (c) => c.bytes, options.maxBytes);
  }

  private key(stream: StreamId): string {
    return `own:{${stream}}`;
  }

  /** The chain of `stream` (call inside the stream's critical section). */
  async load(stream: StreamId): Promise<LoadedChain> {
    const local = this.local.get(stream)?.entries ?? [];
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return { entries: local, redis: 'rewrite' };
    let lastRaw: string | null;
    try {
      lastRaw = await redis.lindex(this.key(stream), -1);
    } catch {
      return { entries: local, redis: 'rewrite' };
    }
    if (lastRaw === null)
      return { entries: local, redis: local.length > 0 ? 'rewrite' : 'in-sync' };
    const last = parseEntry(lastRaw);
    if (!last) return { entries: local, redis: 'rewrite' };
    let at = -1;
    for (let i = local.length - 1; i >= 0; i--) {
      if (local[i]!.id === last.id) {
        at = i;
        break;
      }
    }
    if (at >= 0 && at === local.length - 1) return { entries: local, redis: 'in-sync' };
    // Redis lags behind this process (it was down while we appended): ours is newer.
    if (at >= 0) return { entries: local, redis: 'rewrite' };
    // Another writer process of the region appended since: Redis is the truth.
    let raws: string[];
    try {
      raws = await redis.lrange(this.key(stream), 0, -1);
    } catch {
      return { entries: local, redis: 'rewrite' };
    }
    const known = new Map(local.map((e) => [e.id, e]));
    const entries = raws
      .map(parseEntry)
      .filter((e): e is ChainEntry => e !== undefined)
      .map((e) => known.get(e.id) ?? e);
    this.remember(stream, entries);
    return { entries, redis: 'in-sync' };
  }

  /**
   * Records `added` after its Kafka ack, forgetting the `dropped` oldest entries (already in
   * the projection). The in-process copy is updated first; the Redis copy best effort.
   *
   * @throws ConcordError CACHE_UNAVAILABLE when Redis failed (the caller logs; the next load
   * notices the stale copy and rewrites it).
   */
  async commit(
    stream: StreamId,
    loaded: LoadedChain,
    dropped: number,
    added: OwnEvent,
  ): Promise<void> {
    const next = [...loaded.entries.slice(dropped), added].slice(-this.options.cap);
    this.remember(stream, next);
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return;
    const key = this.key(stream);
    const tx = redis.multi();
    if (loaded.redis === 'in-sync') {
      if (dropped > 0) tx.ltrim(key, dropped, -1);
      tx.rpush(key, encode(added));
      tx.ltrim(key, -this.options.cap, -1);
    } else {
      tx.del(key);
      tx.rpush(key, ...next.map(encode));
    }
    tx.pexpire(key, this.options.ttlMs);
    try {
      const results = await tx.exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    } catch (error) {
      throw mapRedisError(error, 'own chain');
    }
  }

  /** The in-process entries of `stream` (tests and diagnostics). */
  peek(stream: StreamId): readonly OwnEvent[] {
    return this.local.get(stream)?.entries ?? [];
  }

  private remember(stream: StreamId, entries: readonly OwnEvent[]): void {
    let bytes = 0;
    for (const e of entries) bytes += e.bytes ?? 0;
    this.local.set(stream, { entries, bytes });
  }
}
