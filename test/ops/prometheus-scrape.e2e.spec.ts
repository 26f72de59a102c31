import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriterClient } from '@concord/chaos';
import { loadConfig } from '@concord/config';
import { sleep } from '@concord/core';
import { ensureLocalTokens, runServices, type Supervisor } from '@concord/runner';
import { waitFor, freePort } from '@concord/test-support';

/**
 * A real Prometheus (Debian's prometheus package) scrapes the real services of two regions and
 * loads Concord's alert rules; the replication lag metric must come back from a PromQL query.
 */
const config = loadConfig({ overrides: { CONCORD_REGIONS: 'us,eu' } });
let supervisor: Supervisor | undefined;
let prometheus: ChildProcess | undefined;
let promUrl = '';

async function query(
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(body.status).toBe('success');
  return body.data.result;
}

beforeAll(async () => {
  supervisor = await runServices(config, { kinds: ['writer', 'mirror'] });
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const targets = config.regions.flatMap((r) =>
    (['writer', 'mirror'] as const).map((k) => new URL(config.byRegion[r]![k].url).host),
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${resolve(import.meta.dirname, '../../infra/prometheus/rules/concord.yml')}']`,
      'scrape_configs:',
      '  - job_name: concord',
      `    static_configs: [{ targets: [${targets.map((t) => `'${t}'`).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true,
    { timeoutMs: 30_000 },
  );
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await supervisor?.stop();
});

describe('a real Prometheus scraping Concord', () => {
  it('collects concord_replication_lag_seconds for each origin → region pair, and loads the alert rules', async () => {
    const tokens = ensureLocalTokens(config);
    const us = new WriterClient('us', config.byRegion.us!.writer.url, tokens.apiToken);
    const eu = new WriterClient('eu', config.byRegion.eu!.writer.url, tokens.apiToken);
    for (let i = 0; i < 20; i++) {
      expect(
        (await us.append(`profile-prom-${i}`, { type: 'ProfileUpdated', data: { n: i } })).ok,
      ).toBe(true);
      expect(
        (await eu.append(`profile-prom-${i}`, { type: 'ProfileUpdated', data: { m: i } })).ok,
      ).toBe(true);
    }
    await waitFor(
      async () =>
        (await query('sum by (region, origin) (concord_replication_lag_seconds_count)')).length >=
        4,
      {
        timeoutMs: 60_000,
        intervalMs: 1000,
      },
    );
    const lag = await query('sum by (region, origin) (concord_replication_lag_seconds_count)');
    const pairs = lag.map((r) => `${r.metric.origin}→${r.metric.region}`).sort();
    expect(pairs).toEqual(['eu→eu', 'eu→us', 'us→eu', 'us→us']);
    for (const r of lag) expect(Number(r.value[1])).toBeGreaterThan(0);
    // A rate needs two scrapes with observations between them: keep writing until PromQL sees one.
    const p99 = await waitFor(
      async () => {
        await us.append('profile-prom-rate', { type: 'ProfileUpdated', data: { t: Date.now() } });
        const r = await query(
          'histogram_quantile(0.99, sum by (le) (rate(concord_replication_lag_seconds_bucket[1m])))',
        );
        const v = Number(r[0]?.value[1]);
        return Number.isFinite(v) && v > 0 ? v : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(p99).toBeLessThan(10);

    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name)).toContain('ConcordReplicationLagHigh');
    await sleep(2000); // one evaluation cycle
    const evaluated = (
      (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof rules
    ).data.groups.flatMap((g) => g.rules);
    expect(evaluated.every((r) => r.health === 'ok')).toBe(true);
  });
});
