import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConcordError, sleep } from '@concord/core';
import { isRedisReady, mapRedisError } from './redisErrors.js';

/** Deletes the key only if it still holds our token (never another holder's lock). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LockOptions {
  /** Lock lifetime in ms; must exceed the longest critical section. Default 15000. */
  ttlMs?: number;
  /** How long to wait for the lock before giving up (TIMEOUT). Default 5000. */
  waitMs?: number;
  /** Poll interval while waiting, in ms. Default 5. */
  pollMs?: number;
}

export interface HeldLock {
  readonly key: string;
  readonly token: string;
  release(): Promise<void>;
}

/**
 * A per-key mutual exclusion lock on Redis (SET NX PX + compare-and-delete release). It
 * serialises the writers of one region for one stream; it is an optimisation, not a safety
 * guarantee: if Redis vanishes, callers proceed without it and the fold resolves any fork.
 */
export class StreamLock {
  constructor(
    private readonly redis: Redis,
    private readonly options: LockOptions = {},
  ) {}

  /**
   * Acquires `lock:<name>`. Throws CACHE_UNAVAILABLE when Redis is down, TIMEOUT when the lock
   * stays taken for `waitMs`.
   */
  async acquire(name: string, options: LockOptions = {}): Promise<HeldLock> {
    const ttlMs = options.ttlMs ?? this.options.ttlMs ?? 15_000;
    const waitMs = options.waitMs ?? this.options.waitMs ?? 5_000;
    const pollMs = options.pollMs ?? this.options.pollMs ?? 5;
    const key = `lock:${name}`;
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (!isRedisReady(this.redis)) {
        throw new ConcordError('CACHE_UNAVAILABLE', 'redis not connected');
      }
      let ok: string | null;
      try {
        ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
      } catch (error) {
        throw mapRedisError(error, 'lock');
      }
      if (ok === 'OK') {
        return {
          key,
          token,
          release: async () => {
            try {
              await this.redis.eval(RELEASE, 1, key, token);
            } catch {
              // Redis gone: the lock expires by its TTL.
            }
          },
        };
      }
      if (Date.now() >= deadline) {
        throw new ConcordError('TIMEOUT', `lock ${name} still held after ${waitMs} ms`, {
          details: { lock: name },
        });
      }
      await sleep(pollMs);
    }
  }
}
