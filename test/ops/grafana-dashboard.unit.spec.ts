import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@concord/telemetry';

const root = resolve(import.meta.dirname, '../..');
const dashboard = JSON.parse(
  readFileSync(resolve(root, 'infra/grafana/dashboards/concord.json'), 'utf8'),
) as {
  uid: string;
  panels: { title: string; type: string; targets: { expr: string }[] }[];
};

describe('Grafana dashboard', () => {
  it('has the panels operators need: errors and latency per region, lag heatmap per pair, pending, conflicts, divergence, fence', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const needle of [
      /error rate per region/i,
      /latency/i,
      /lag heatmap/i,
      /parked/i,
      /conflicts opened \/ resolved/i,
      /divergent/i,
      /fenced/i,
    ]) {
      expect(
        titles.some((t) => needle.test(t)),
        String(needle),
      ).toBe(true);
    }
    expect(dashboard.panels.find((p) => /heatmap/i.test(p.title))?.type).toBe('heatmap');
  });

  it('queries only metrics the services export', async () => {
    const exported = new Set(
      (await createMetrics({ region: 'us', service: 'x' }).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
    );
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        for (const name of target.expr.match(/concord_[a-z_]+/g) ?? []) {
          expect(exported, `${panel.title}: ${name}`).toContain(
            name.replace(/_(bucket|sum|count)$/, ''),
          );
        }
      }
    }
  });

  it('is provisioned by docker-compose with Prometheus as its data source', () => {
    const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const volumes = compose.services.grafana?.volumes ?? [];
    for (const v of volumes) expect(existsSync(resolve(root, v.split(':')[0]!))).toBe(true);
    expect(volumes.some((v) => v.endsWith(':/var/lib/grafana/dashboards:ro'))).toBe(true);
    const ds = parse(
      readFileSync(resolve(root, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as {
      datasources: { uid: string; url: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
  });
});
