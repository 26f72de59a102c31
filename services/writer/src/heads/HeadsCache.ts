import type { JsonValue, StreamId } from '@concord/core';
import { isRedisReady, mapRedisError, type Redis } from '@concord/redis';
import { LruMap } from '../support/LruMap.js';
import type { HeadRef } from './HeadRef.js';

/**
 * The last projection snapshot of a stream the writer saw (heads with their clocks, version,
 * and the state when a domain's `prepare` needs it and it is small). Written after each
 * append; read only when Postgres is down, so writes to streams this region wrote before can
 * go on (docs/architecture.md, Failure behaviour).
 */
export interface HeadsRecord {
  readonly exists: boolean;
  readonly heads: readonly HeadRef[];
  readonly version: number;
  /** Present when the category has a `prepare` hook and the state is small enough. */
  readonly state?: JsonValue;
  /** When the snapshot was read from the projection (ISO). */
  readonly at: string;
}

export interface HeadsCacheOptions {
  readonly ttlMs: number;
  readonly maxStreams: number;
}

/** Heads records in Redis `heads:{stream}` and in process (the fresher copy wins locally). */
export class HeadsCache {
  private readonly local: LruMap<StreamId, HeadsRecord>;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly options: HeadsCacheOptions,
  ) {
    this.local = new LruMap(options.maxStreams);
  }

  private key(stream: StreamId): string {
    return `heads:{${stream}}`;
  }

  /** The cached record: this process's own, else Redis's; undefined when neither has one. */
  async get(stream: StreamId): Promise<HeadsRecord | undefined> {
    const local = this.local.get(stream);
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return local;
    try {
      const raw = await redis.get(this.key(stream));
      const shared = raw === null ? undefined : (JSON.parse(raw) as HeadsRecord);
      if (!shared) return local;
      if (!local) return shared;
      return shared.at > local.at ? shared : local;
    } catch {
      return local;
    }
  }

  /** Stores the record (in process at once, in Redis best effort). */
  async put(stream: StreamId, record: HeadsRecord): Promise<void> {
    this.local.set(stream, record);
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return;
    try {
      await redis.set(this.key(stream), JSON.stringify(record), 'PX', this.options.ttlMs);
    } catch (error) {
      throw mapRedisError(error, 'heads cache');
    }
  }
}
