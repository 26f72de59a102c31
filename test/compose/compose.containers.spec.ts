import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainUntilConverged, WriterClient } from '@concord/chaos';
import { loadConfig, type ConcordConfig } from '@concord/config';
import { sleep } from '@concord/core';
import { DemoWorkload } from '@concord/demo';
import { composeClientEnv, composeProject } from '@concord/stack';
import { runConcord } from '@concord/test-support';

/**
 * The compose deployment for real (docs/containers.md): `concord compose up` with the images
 * of `concord images build`, the demo workload for 40 s with ap cut off the `wan` network for
 * 15 s of it, every acknowledged write applied in every region, `concord verify` converged,
 * and `concord compose down` leaving no container of the project behind. Needs a Docker
 * engine (DOCKER_HOST) and the images; runs in the `containers` project (.ci/run).
 */
let config: ConcordConfig;
let project: string;

function projectContainers(): string[] {
  return execFileSync(
    'docker',
    ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
}

beforeAll(async () => {
  const base = loadConfig();
  project = composeProject(base);
  config = loadConfig({ overrides: composeClientEnv(base) });
  const up = await runConcord(['compose', 'up'], { timeoutMs: 600_000 });
  expect(up.code, up.stderr.slice(-3000)).toBe(0);
});

afterAll(async () => {
  const down = await runConcord(['compose', 'down'], { timeoutMs: 300_000 });
  expect(down.code, down.stderr.slice(-3000)).toBe(0);
  expect(projectContainers()).toEqual([]);
});

describe('concord compose', () => {
  it('runs the demo workload 40 s with a partition; verify converges', async () => {
    const clients = config.regions.map(
      (r) => new WriterClient(r, config.byRegion[r]!.writer.url, config.auth.apiTokens[0]!),
    );
    const workload = new DemoWorkload(clients, `c${Date.now().toString(36)}`, {
      accounts: 4,
      carts: 6,
      profiles: 6,
      ratePerRegion: 5,
    });
    await workload.setUp();
    const running = workload.run();
    let ackedInAp = 0;
    try {
      await sleep(10_000);
      const cut = await runConcord(['compose', 'partition', 'ap']);
      expect(cut.code, cut.stderr).toBe(0);
      expect(cut.stdout).toContain('disconnected kafka-ap, mirror-ap, reconciler-ap from wan');
      const apBefore = workload.counters.acked['ap']!;
      await sleep(15_000);
      // Cut off, ap still accepts its own writes (they replicate after the heal).
      ackedInAp = workload.counters.acked['ap']! - apBefore;
      const heal = await runConcord(['compose', 'heal']);
      expect(heal.code, heal.stderr).toBe(0);
      await sleep(15_000);
    } finally {
      workload.stop();
      await running;
    }
    expect(ackedInAp).toBeGreaterThan(0);
    const acked = workload.ackedWrites.map((a) => a.eventId);
    expect(acked.length).toBeGreaterThan(100);
    const drained = await drainUntilConverged(config, acked, { timeoutMs: 180_000 });
    expect(drained.missing).toEqual(Object.fromEntries(config.regions.map((r) => [r, 0])));
    const verify = await runConcord(['verify', '--wait', '120'], {
      env: composeClientEnv(loadConfig()),
      timeoutMs: 300_000,
    });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/converged/);
  });
});
