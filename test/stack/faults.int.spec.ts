import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ConcordConfig } from '@concord/config';
import { isConcordError } from '@concord/core';
import { canConnectPostgres, canPingRedis, processState, StackController } from '@concord/stack';
import { uniqueNamespace, waitFor } from '@concord/test-support';

/**
 * The fault injectors on a stack of its own (port base 30000, two regions) that runs Postgres
 * and Redis privately, so they can be stopped and restarted without touching anyone else.
 */
let config: ConcordConfig;
let stack: StackController;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'concord-faults-'));
  // As root, the private Postgres runs as the `postgres` user, which must reach its folder.
  chmodSync(stateDir, 0o755);
  config = loadConfig({
    overrides: {
      CONCORD_PORT_BASE: '30000',
      CONCORD_STATE_DIR: stateDir,
      CONCORD_REGIONS: 'us,eu',
      CONCORD_NAMESPACE: uniqueNamespace('faults'),
      CONCORD_PG_MODE: 'private',
      CONCORD_REDIS_MODE: 'private',
    },
  });
  stack = new StackController(config);
  const result = await stack.up();
  expect(result.endpoints.postgres.mode).toBe('private');
  expect(result.endpoints.redis.mode).toBe('private');
});

afterAll(async () => {
  await stack.down({ purge: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('fault injection (separate private stack on port base 30000)', () => {
  it('pauses and resumes a broker (SIGSTOP/SIGCONT), same process', async () => {
    const broker = stack.broker('us');
    const pid = broker.status().pid;
    expect(await broker.pause()).toBe(pid);
    expect(broker.status().state).toBe('paused');
    expect((await stack.status()).running).toBe(false);
    expect(await broker.resume()).toBe(pid);
    await broker.start(); // already running: waits until it answers again
    expect(broker.status()).toMatchObject({ state: 'running', pid });
  });

  it('kills a broker (SIGKILL) and starts it again with its data', async () => {
    const broker = stack.broker('us');
    const pid = await broker.kill();
    expect(pid).toBeDefined();
    expect(processState(pid!)).toBe('gone');
    expect(broker.status().state).toBe('stopped');
    await broker.start();
    expect(broker.status().state).toBe('running');
    expect(broker.status().pid).not.toBe(pid);
    const again = await stack.up();
    expect(again.started).toEqual([]);
  });

  it('stops a broker gracefully; stopping twice finds nothing to stop', async () => {
    const broker = stack.broker('us');
    expect(await broker.stop()).toBeDefined();
    expect(await broker.stop()).toBeUndefined();
    await broker.start();
  });

  it('restarts the private Redis and Postgres', async () => {
    const endpoints = stack.endpoints()!;
    const redisUrl = endpoints.byRegion.us!.redis.url;
    await stack.redis('us').stop();
    expect(await canPingRedis(redisUrl)).toBe(false);
    await stack.redis('us').start();
    expect(await canPingRedis(redisUrl)).toBe(true);

    const pgUrl = endpoints.byRegion.us!.postgres.url;
    await stack.postgres().stop();
    expect(await canConnectPostgres(pgUrl)).toBe(false);
    await stack.postgres().restart();
    expect(await canConnectPostgres(pgUrl)).toBe(true);
    expect((await stack.status()).running).toBe(true);
  });

  it('keeps link state when the link worker or its supervisor is killed', async () => {
    await stack.links.partition('us', 'eu', { oneway: true });
    const before = await stack.status();
    const worker = before.linkDaemon.workerPid!;
    process.kill(worker, 'SIGKILL');
    // The supervisor restarts the worker, which restores the cut from state.json.
    const restarted = await waitFor(
      async () => {
        const s = await stack.status();
        return s.linkDaemon.workerPid !== undefined && s.linkDaemon.workerPid !== worker && s.links
          ? s
          : undefined;
      },
      { timeoutMs: 20_000, message: 'link worker not restarted' },
    );
    expect(restarted.links!.filter((l) => l.cut).map((l) => `${l.from}->${l.to}`)).toEqual([
      'us->eu',
    ]);

    // A killed supervisor leaves an orphaned worker; up replaces both, state intact.
    process.kill(restarted.linkDaemon.pid!, 'SIGKILL');
    await waitFor(() => processState(restarted.linkDaemon.pid!) === 'gone', {
      message: 'supervisor alive',
    });
    const up = await stack.up();
    expect(up.started).toEqual(['links']);
    expect(processState(restarted.linkDaemon.workerPid!)).toBe('gone');
    const links = await stack.links.status();
    expect(links.filter((l) => l.cut).map((l) => `${l.from}->${l.to}`)).toEqual(['us->eu']);
    await stack.links.heal();
  });

  it('refuses unknown regions', () => {
    let error: unknown;
    try {
      stack.broker('mars');
    } catch (e) {
      error = e;
    }
    expect(isConcordError(error, 'UNKNOWN_REGION')).toBe(true);
  });
});
