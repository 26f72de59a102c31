import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS, type AnomalyKind } from '@concord/chaos';
import { renderBenchReport } from './benchReport.js';
import { summarizeChaosCampaign, type ChaosCampaignRun } from './chaosCampaign.js';

const zero = () =>
  Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])) as Record<AnomalyKind, number>;

function run(seed: number, counts: Partial<Record<AnomalyKind, number>> = {}): ChaosCampaignRun {
  const all = { ...zero(), ...counts };
  return {
    seed,
    ok: Object.values(all).every((c) => c === 0),
    counts: all,
    acked: 1000 + seed,
    failed: 3,
    ambiguous: 1,
    streams: 40,
    convergedStreams: 40,
    conflicts: 12,
    merges: 12,
    drainConverged: true,
    drainSec: 1.5,
    faults: ['partition', 'kill'],
    report: `/tmp/seed-${seed}/chaos-report.html`,
  };
}

describe('chaos campaign', () => {
  it('sums every anomaly kind and the acknowledged writes over the runs', () => {
    const campaign = summarizeChaosCampaign({ durationSec: 300, rate: 100, faultKinds: ['kill'] }, [
      run(1),
      run(2, { lost: 2, duplicate: 1 }),
      run(3, { lost: 1 }),
    ]);
    expect(campaign.totals).toEqual({ ...zero(), lost: 3, duplicate: 1 });
    expect(campaign.passed).toBe(1);
    expect(campaign.acked).toBe(1001 + 1002 + 1003);
    expect(Object.keys(campaign.totals).sort()).toEqual([...ANOMALY_KINDS].sort());
  });

  it('bench/REPORT.md lists each run with its anomalies and the totals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const campaign = summarizeChaosCampaign({ durationSec: 300, rate: 100, faultKinds: [] }, [
      run(101),
      run(102, { 'causal-violation': 4 }),
    ]);
    writeFileSync(
      join(dir, 'chaos.json'),
      JSON.stringify({ measuredAt: '2026-11-26T12:00:00.000Z', ...campaign }),
    );
    const report = renderBenchReport(dir);
    expect(report).toContain('2 runs of 300 s at 100 ops/s');
    expect(report).toContain('1 passed; lost 0, duplicated 0, causal violations 4, unconverged 0');
    expect(report).toMatch(/\| 101 \| ok \| 1,101 \| 40\/40 \|/);
    expect(report).toMatch(/\| 102 \| \*\*anomalies\*\*: causal-violation 4 \|/);
  });

  it('says what to run when no campaign was recorded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    expect(renderBenchReport(dir)).toContain('concord bench chaos --runs 10 --duration 300');
  });

  it('a --client campaign sums availability over its runs; REPORT.md gives it beside its target', () => {
    const availability = (
      acked: number,
      refused: number,
      attempted: number,
      p99: number,
      failuresByFault: Record<string, number> = {},
    ) => ({
      byRegion: {},
      overall: { attempted, acked, refused, ratio: (acked + refused) / attempted },
      ackedAway: 5,
      failovers: 2,
      recoveries: 2,
      failoverMs: { count: 3, p50: p99 / 2, p99, max: p99 + 10 },
      sessionReads: 50,
      staleReads: 0,
      failuresByFault,
    });
    const campaign = summarizeChaosCampaign({ durationSec: 300, rate: 100, faultKinds: ['kill'] }, [
      { ...run(1), availability: availability(990, 5, 1000, 800, { pause: 3, none: 2 }) },
      { ...run(2), availability: availability(970, 10, 1000, 1200, { pause: 10, broker: 10 }) },
    ]);
    expect(campaign.availability).toEqual({
      attempted: 2000,
      acked: 1960,
      refused: 15,
      ratio: 1975 / 2000,
      worstRun: 0.98,
      failovers: 4,
      failoverP99Ms: 1200,
      failoverMaxMs: 1210,
      sessionReads: 100,
      staleReads: 0,
      failuresByFault: { pause: 13, none: 2, broker: 10 },
    });
    // Without the client in every run there is no availability figure.
    expect(
      summarizeChaosCampaign({ durationSec: 1, rate: 1, faultKinds: [] }, [run(3)]),
    ).not.toHaveProperty('availability');
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    writeFileSync(
      join(dir, 'chaos-client.json'),
      JSON.stringify({ measuredAt: '2026-12-03T12:00:00.000Z', ...campaign }),
    );
    const report = renderBenchReport(dir);
    expect(report).toContain('## Availability through the client');
    expect(report).toMatch(
      /\| writes answered \/ attempted \| 98\.75 % .* \| ≥ 99 % \| \*\*not met\*\* \|/,
    );
    expect(report).toMatch(/\| stale session reads \| 0 of 100 \| 0 \| met \|/);
    expect(report).toContain(
      '| failed writes by the fault they met | pause 13, broker 10, none 2 |',
    );
  });
});
