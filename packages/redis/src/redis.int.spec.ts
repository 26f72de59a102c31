import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConcordError, sleep } from '@concord/core';
import { freePort } from '@concord/test-support';
import { createRedis, JsonCache, StreamLock, type Redis } from './index.js';

/** A private redis-server for this file, so the test can kill and restart it. */
let server: ChildProcess | undefined;
let port = 0;
let client: Redis;

async function startServer(): Promise<void> {
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = createRedis({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'probe:' });
  for (let i = 0; i < 100 && probe.status !== 'ready'; i++) await sleep(50);
  probe.disconnect();
}

async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s || s.exitCode !== null) return;
  await new Promise((resolve) => {
    s.once('exit', resolve);
    s.kill('SIGKILL');
  });
}

async function waitReady(c: Redis): Promise<void> {
  for (let i = 0; i < 200 && c.status !== 'ready'; i++) await sleep(25);
  expect(c.status).toBe('ready');
}

beforeAll(async () => {
  port = await freePort();
  await startServer();
  client = createRedis({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'test:us:' });
  await waitReady(client);
});

afterAll(async () => {
  client.disconnect();
  await stopServer();
});

describe('StreamLock', () => {
  it('admits one holder at a time among 50 concurrent contenders', async () => {
    const lock = new StreamLock(client, { ttlMs: 5000, waitMs: 10_000, pollMs: 2 });
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const held = await lock.acquire('s1');
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(1);
        inside--;
        await held.release();
      }),
    );
    expect(maxInside).toBe(1);
  });

  it('never releases a lock it no longer holds, and times out while another holds it', async () => {
    const lock = new StreamLock(client, { pollMs: 2 });
    const first = await lock.acquire('s2', { ttlMs: 100 });
    await sleep(150); // expired
    const second = await lock.acquire('s2', { ttlMs: 5000 });
    await first.release(); // must not delete the second holder's lock
    const third = lock.acquire('s2', { waitMs: 100 });
    await expect(third).rejects.toMatchObject({ code: 'TIMEOUT' });
    await second.release();
    await (await lock.acquire('s2', { waitMs: 100 })).release();
  });
});

describe('JsonCache', () => {
  it('stores the first value only under setIfAbsent and reads it back', async () => {
    const cache = new JsonCache(client);
    expect(await cache.setIfAbsent('idem:a', { id: 1 }, 10_000)).toEqual({
      stored: true,
      value: { id: 1 },
    });
    expect(await cache.setIfAbsent('idem:a', { id: 2 }, 10_000)).toEqual({
      stored: false,
      value: { id: 1 },
    });
    expect(await cache.mget(['idem:a', 'idem:none'])).toEqual([{ id: 1 }, undefined]);
    expect(await client.get('idem:a')).toBe('{"id":1}'); // key prefix applied transparently
  });
});

describe('when Redis dies', () => {
  it('fails fast with CACHE_UNAVAILABLE and recovers by itself after a restart', async () => {
    const cache = new JsonCache(client);
    await stopServer();
    const started = Date.now();
    const error = await cache.get('idem:a').catch((e: unknown) => e);
    expect(isConcordError(error, 'CACHE_UNAVAILABLE')).toBe(true);
    await expect(new StreamLock(client).acquire('s3')).rejects.toMatchObject({
      code: 'CACHE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(1500);

    await startServer();
    await waitReady(client);
    await cache.set('back', true);
    expect(await cache.get('back')).toBe(true);
  });
});
