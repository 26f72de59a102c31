import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { freePort, waitFor } from '@concord/test-support';
import {
  ADMIN_TOKEN,
  API_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  writerTestConfig,
} from './testing/writerFixture.js';

/**
 * The writer as a process (`node services/writer/dist/main.js`, built by `pnpm build`): it
 * refuses to start without tokens unless `--insecure`, and on SIGTERM stops accepting,
 * drains the appends in flight, flushes the producer and exits 0.
 */
const main = resolve(import.meta.dirname, '../dist/main.js');
let config: ConcordConfig;
const children: ChildProcess[] = [];

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await cleanup(config);
});

function start(env: Record<string, string>, args: string[] = []) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CONCORD_')),
  );
  const rc = config.byRegion['us']!;
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      ...base,
      CONCORD_NAMESPACE: config.namespace,
      CONCORD_REGION: 'us',
      // The stack this run uses (the filter above drops it; the default is 19000).
      ...(process.env.CONCORD_PORT_BASE
        ? { CONCORD_PORT_BASE: process.env.CONCORD_PORT_BASE }
        : {}),
      CONCORD_PG_URL: config.postgres.adminUrl,
      CONCORD_US_REDIS_URL: rc.redis.url,
      CONCORD_KEYS_DIR: config.keys.dir,
      CONCORD_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, stderr: () => stderr };
}

describe('main.ts', () => {
  it('refuses to start without tokens, starts with --insecure', async () => {
    const refused = start({});
    expect(await refused.exited).toBe(3);
    expect(refused.stderr()).toMatch(/^error CONFIG_INVALID: .*--insecure/m);

    const port = await freePort();
    const insecure = start({ CONCORD_US_WRITER_PORT: String(port) }, ['--insecure']);
    const api = client(`http://127.0.0.1:${port}`, null);
    await waitFor(async () => (await api.get('/healthz').catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      message: 'the writer did not start',
    });
    expect((await api.append('insecure-1', { type: 'T', data: {} })).status).toBe(201);
    insecure.child.kill('SIGTERM');
    expect(await insecure.exited).toBe(0);
  });

  it('drains in-flight appends on SIGTERM: every 2xx is in Kafka, then exits 0', async () => {
    const port = await freePort();
    const writer = start({
      CONCORD_US_WRITER_PORT: String(port),
      CONCORD_API_TOKENS: API_TOKEN,
      CONCORD_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const api = client(`http://127.0.0.1:${port}`);
    await waitFor(async () => (await api.get('/healthz').catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      message: 'the writer did not start',
    });
    // Ten clients append in a loop; SIGTERM lands while appends are in flight.
    let signalledAt = Number.POSITIVE_INFINITY;
    const replies: { status: number; doneAt: number; id?: string }[] = [];
    const loops = Array.from({ length: 10 }, async (_, c) => {
      for (let i = 0; ; i++) {
        const r = await api.append(`drain-${c}`, { type: 'T', data: { i } }).catch(() => undefined);
        if (!r) return; // connection refused: the server is gone
        replies.push({ status: r.status, doneAt: Date.now(), id: r.body.event?.id });
        if (r.status !== 201) return;
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    signalledAt = Date.now();
    writer.child.kill('SIGTERM');
    await Promise.all(loops);
    expect(await writer.exited).toBe(0);
    const accepted = replies.filter((r) => r.status === 201).map((r) => r.id!);
    // In-flight appends were drained (answered 201 after the signal); anything else was
    // refused cleanly (503 while closing, or no connection): never a lost acknowledged event.
    expect(replies.some((r) => r.status === 201 && r.doneAt >= signalledAt)).toBe(true);
    for (const r of replies) expect([201, 503]).toContain(r.status);
    expect(accepted.length).toBeGreaterThan(10);
    const logged = new Set((await readEventsTopic(config)).map((r) => r.value.id));
    for (const id of accepted) expect(logged.has(id)).toBe(true);
  });
});
