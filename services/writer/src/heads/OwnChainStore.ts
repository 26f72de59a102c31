import type { Envelope, StreamId } from '@concord/core';
import { isRedisReady, mapRedisError, type Redis } from '@concord/redis';
import type { LogPosition } from '../append/EventLog.js';
import { LruMap } from '../support/LruMap.js';
import type { ChainEntry } from './HeadRef.js';

/** An own event of the chain; this process also keeps the envelope (for `prepare` and dedupe). */
export interface OwnEvent extends ChainEntry {
  readonly envelope?: Envelope;
  /** Where the log holds it (this process's own appends; not kept in Redis). */
  readonly position?: LogPosition | undefined;
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

const EMPTY: readonly OwnEvent[] = Object.freeze([]);

const encode = (e: ChainEntry) => JSON.stringify({ id: e.id, parents: e.parents, hlc: e.hlc });

/**
 * Updates the Redis chain atomically in one command (a script, so it joins the client's
 * auto-pipeline, unlike MULTI): `append` drops the `dropped` oldest entries and pushes the
 * new one; `rewrite` replaces the list. Then caps it and sets its lifetime.
 * KEYS[1] = the list; ARGV = mode, dropped, cap, ttlMs, entries…
 */
const COMMIT_SCRIPT = `
if ARGV[1] == 'append' then
  local dropped = tonumber(ARGV[2])
  if dropped > 0 then redis.call('LTRIM', KEYS[1], dropped, -1) end
else
  redis.call('DEL', KEYS[1])
end
for i = 5, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

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
    const local = this.peek(stream);
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
   * Records `added` after its Kafka ack, keeping of the loaded entries only `remaining` (the
   * others are in the projection). The in-process copy is updated first; the Redis copy best
   * effort.
   *
   * @throws ConcordError CACHE_UNAVAILABLE when Redis failed (the caller logs; the next load
   * notices the stale copy and rewrites it).
   */
  async commit(
    stream: StreamId,
    loaded: LoadedChain,
    remaining: readonly OwnEvent[],
    added: OwnEvent,
  ): Promise<void> {
    const next = [...remaining, added].slice(-this.options.cap);
    this.remember(stream, next);
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return;
    // Usually the projected entries are the oldest ones: trim them off the front. When they
    // are not (a merge projected before older own events), rewrite the list.
    const dropped = loaded.entries.length - remaining.length;
    const suffix = remaining.every((e, i) => loaded.entries[dropped + i]?.id === e.id);
    const append = loaded.redis === 'in-sync' && suffix;
    try {
      await redis.eval(
        COMMIT_SCRIPT,
        1,
        this.key(stream),
        append ? 'append' : 'rewrite',
        String(append ? dropped : 0),
        String(this.options.cap),
        String(this.options.ttlMs),
        ...(append ? [encode(added)] : next.map(encode)),
      );
    } catch (error) {
      throw mapRedisError(error, 'own chain');
    }
  }

  /**
   * This process's copy of the chain of `stream` (possibly stale: `load` checks it against
   * Redis). The same array as `load` returns when the copy is current.
   */
  peek(stream: StreamId): readonly OwnEvent[] {
    return this.local.get(stream)?.entries ?? EMPTY;
  }

  private remember(stream: StreamId, entries: readonly OwnEvent[]): void {
    let bytes = 0;
    for (const e of entries) bytes += e.bytes ?? 0;
    this.local.set(stream, { entries, bytes });
  }
}
