import { describe, expect, it } from 'vitest';
import { ConcordError, isConcordError, sleep } from '@concord/core';
import { createLogger } from '@concord/telemetry';
import { InflightLimiter } from './InflightLimiter.js';
import { StreamSerializer, type StreamLockPort } from './StreamSerializer.js';

const logger = createLogger({ service: 'writer', level: 'silent' });

describe('InflightLimiter', () => {
  it('refuses beyond the limit with BACKPRESSURE, and a batch counts its items', () => {
    const limiter = new InflightLimiter(3);
    const one = limiter.acquire(1);
    const error = (() => {
      try {
        limiter.acquire(3);
      } catch (e) {
        return e;
      }
    })();
    expect(isConcordError(error, 'BACKPRESSURE')).toBe(true);
    const two = limiter.acquire(2);
    expect(limiter.full).toBe(true);
    one();
    one(); // releasing twice is harmless
    two();
    expect(limiter.current).toBe(0);
    // A batch larger than the whole limit runs alone.
    const big = limiter.acquire(10);
    expect(limiter.current).toBe(3);
    big();
  });
});

describe('StreamSerializer', () => {
  it('runs the sections of one stream one at a time, in call order; other streams in parallel', async () => {
    const serializer = new StreamSerializer(undefined, { ttlMs: 1000, waitMs: 1000 }, logger);
    const order: string[] = [];
    let inside = 0;
    let maxInside = 0;
    let parallel = false;
    const section = (name: string) => async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await sleep(Math.random() * 3);
      order.push(name);
      inside--;
    };
    const other = serializer.run('b', async () => {
      await sleep(2);
      parallel = inside > 0;
    });
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => serializer.run('a', section(`a${i}`))),
      other,
    ]);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
    expect(maxInside).toBe(1);
    expect(parallel).toBe(true);
    expect(serializer.activeStreams).toBe(0);
  });

  it('goes on without the lock when Redis is down, and maps a lock held elsewhere to TIMEOUT', async () => {
    let mode = 'down';
    const lock: StreamLockPort = {
      acquire: async () => {
        if (mode === 'down') throw new ConcordError('CACHE_UNAVAILABLE', 'down');
        throw new ConcordError('TIMEOUT', 'held');
      },
    };
    const serializer = new StreamSerializer(lock, { ttlMs: 1000, waitMs: 10 }, logger);
    expect(await serializer.run('s', async (m) => m)).toBe('local-only');
    mode = 'held';
    await expect(serializer.run('s', async (m) => m)).rejects.toMatchObject({ code: 'TIMEOUT' });
    // A failed section does not block the queue.
    mode = 'down';
    expect(await serializer.run('s', async () => 'next')).toBe('next');
  });
});
