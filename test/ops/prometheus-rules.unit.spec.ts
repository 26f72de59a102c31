import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@concord/telemetry';
import {
  MirrorTelemetry,
  registerApplyHealthMetrics,
  SourceMetrics,
  type MirrorHandle,
} from '@concord/mirror';

/** promtool comes with Debian's prometheus package (.ci/run installs it). */
const rulesDir = resolve(import.meta.dirname, '../../infra/prometheus/rules');
const promtool = (...args: string[]) =>
  execFileSync('promtool', args, { cwd: rulesDir, encoding: 'utf8', stdio: 'pipe' });

interface Rule {
  alert: string;
  expr: string;
  annotations: { runbook: string };
}
const rules = (
  parse(readFileSync(resolve(rulesDir, 'concord.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'concord.yml')).toContain('SUCCESS: 10 rules found');
  });

  it('pass their promtool unit tests (each alert fires when it should and stays quiet otherwise)', () => {
    expect(promtool('test', 'rules', 'concord.test.yml')).toContain('SUCCESS');
  });

  it('cover the alerts the SRE guide asks for', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'ConcordApplyFailing',
      'ConcordClockSkew',
      'ConcordConflictRateSpike',
      'ConcordDivergence',
      'ConcordDlqGrowing',
      'ConcordParkedEventsStuck',
      'ConcordRegionFenced',
      'ConcordReplicationBacklogOld',
      'ConcordReplicationLagHigh',
      'ConcordSplitBrainSuspected',
    ]);
  });

  it('only use metrics the services export', async () => {
    // The contract metrics every service exports, and the mirror's own.
    const metrics = createMetrics({ region: 'us', service: 'mirror' });
    new MirrorTelemetry('us', metrics);
    new SourceMetrics(metrics, 1000);
    registerApplyHealthMetrics(metrics, () => ({}) as ReturnType<MirrorHandle['stats']>);
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const rule of rules) {
      for (const name of rule.expr.match(/concord_[a-z_]+/g) ?? []) {
        expect(exported, `${rule.alert} uses ${name}`).toContain(
          name.replace(/_(bucket|sum|count)$/, ''),
        );
      }
    }
  });
});
