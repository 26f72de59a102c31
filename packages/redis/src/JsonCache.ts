import type { Redis } from 'ioredis';
import { ConcordError } from '@concord/core';
import { isRedisReady, mapRedisError } from './redisErrors.js';

/**
 * JSON values under keys of one prefixed client. Every method throws CACHE_UNAVAILABLE when
 * Redis is unreachable, so callers decide how to degrade.
 */
export class JsonCache {
  constructor(private readonly redis: Redis) {}

  get ready(): boolean {
    return isRedisReady(this.redis);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.run('get', () => this.redis.get(key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async mget<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const raws = await this.run('mget', () => this.redis.mget(...keys));
    return raws.map((raw) => (raw === null ? undefined : (JSON.parse(raw) as T)));
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const raw = JSON.stringify(value);
    await this.run('set', () =>
      ttlMs === undefined ? this.redis.set(key, raw) : this.redis.set(key, raw, 'PX', ttlMs),
    );
  }

  /** Sets only if absent; returns the value now stored (ours or the earlier one). */
  async setIfAbsent<T>(
    key: string,
    value: T,
    ttlMs: number,
  ): Promise<{ stored: boolean; value: T }> {
    const raw = JSON.stringify(value);
    const ok = await this.run('setnx', () => this.redis.set(key, raw, 'PX', ttlMs, 'NX'));
    if (ok === 'OK') return { stored: true, value };
    const current = await this.get<T>(key);
    return { stored: false, value: current ?? value };
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run('del', () => this.redis.del(...keys));
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (!this.ready) throw new ConcordError('CACHE_UNAVAILABLE', `redis not connected (${op})`);
    try {
      return await fn();
    } catch (error) {
      throw mapRedisError(error, op);
    }
  }
}
