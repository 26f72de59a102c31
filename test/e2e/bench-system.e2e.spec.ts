import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConcord } from '@concord/test-support';

interface Step {
  ratePerRegion: number;
  ackedPerSecond: number;
  lag: { origin: string; region: string; n: number; p99Ms: number; missing: number }[];
  cpu: { totalCpuMs: number; cores: Record<string, number> };
  verdict: { held: boolean; reason?: string };
}

/**
 * Shape and behaviour of `concord bench system --smoke`, never its timings (docs/performance.md):
 * it starts all nine services beside the suite's own stack and takes one to two minutes.
 */
describe('concord bench system --smoke', () => {
  it('measures idle, one client, the open-loop steps and both baselines, and writes its report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-system-'));
    const run = await runConcord(['bench', 'system', '--smoke', '--out', out], {
      timeoutMs: 540_000,
    });
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/sustained acknowledged appends\/s/);

    const r = JSON.parse(readFileSync(join(out, 'system.json'), 'utf8')) as {
      setup: { regions: string[]; rates: number[] };
      idle: {
        stackAlone: { cores: Record<string, number> };
        deployment: { cores: Record<string, number>; pids: Record<string, number> };
      };
      oneClient: { byRegion: Record<string, { n: number; errors: number }> };
      openLoop: { steps: Step[]; sustained?: Step };
      baselines: { rawProducer: { steps: Step[] }; naivePipeline: { steps: Step[] } };
    };
    const regions = r.setup.regions;
    expect(regions).toHaveLength(3);
    // The stack alone has no service processes; the deployment has all nine.
    expect(Object.keys(r.idle.stackAlone.cores)).not.toContain('writer');
    for (const kind of ['writer', 'mirror', 'reconciler'])
      expect(r.idle.deployment.pids[kind], kind).toBe(3);
    for (const kind of ['broker', 'link-daemon', 'postgres'])
      expect(r.idle.deployment.pids[kind], kind).toBeGreaterThan(0);
    for (const region of regions)
      expect(r.oneClient.byRegion[region]).toMatchObject({ n: 30, errors: 0 });

    // Steps run in increasing rate and stop at the first that failed; the sustained maximum
    // is the last one that held.
    const steps = r.openLoop.steps;
    expect(steps.length).toBeGreaterThan(0);
    steps.slice(0, -1).forEach((s) => expect(s.verdict.held).toBe(true));
    if (r.openLoop.sustained) expect(r.openLoop.sustained.verdict.held).toBe(true);
    for (const s of steps) {
      expect(s.lag).toHaveLength(regions.length * (regions.length - 1)); // every ordered pair
      expect(s.cpu.totalCpuMs).toBeGreaterThan(0);
      if (s.verdict.held) expect(s.lag.every((l) => l.missing === 0 && l.n > 0)).toBe(true);
    }
    expect(r.baselines.rawProducer.steps.length).toBeGreaterThan(0);
    const naive = r.baselines.naivePipeline.steps;
    expect(naive.length).toBeGreaterThan(0);
    expect(naive[0]!.cpu.cores.naive).toBeGreaterThan(0); // its consumers are measured too
    expect(naive[0]!.lag).toHaveLength(regions.length * (regions.length - 1));

    expect(readFileSync(join(out, 'REPORT.md'), 'utf8')).toMatch(
      /## Whole deployment \(`concord bench system`/,
    );
  });
});
