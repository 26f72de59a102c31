import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kafkaRoute, loadConfig } from '@concord/config';

/**
 * Keeps docker-compose.yml in agreement with the config module: the same regions, the same
 * ports, and service environments that the config module accepts and resolves to the compose
 * hosts. Values are read with their `${VAR:-default}` defaults, as docker-compose resolves them
 * with nothing set (the compose e2e, test/compose/compose.e2e.spec.ts, runs it for real).
 */
interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  networks?: string[];
}

const root = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
  networks: Record<string, unknown>;
};
/** `${VAR:-default}` → default, as docker-compose interpolates with VAR unset. */
const interpolated = (v: string) => v.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
for (const service of Object.values(compose.services)) {
  if (service.image) service.image = interpolated(service.image);
  if (service.ports) service.ports = service.ports.map(interpolated);
  for (const [k, v] of Object.entries(service.environment ?? {}))
    if (typeof v === 'string') service.environment![k] = interpolated(v);
}
const defaults = loadConfig({ env: {}, cwd: root });
const stringEnv = (s: Service) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));

describe('docker-compose.yml', () => {
  it('has a Kafka broker and the three services for every configured region, and nothing else per region', () => {
    const perRegion = Object.keys(compose.services).filter(
      (n) => /-(\w+)$/.test(n) && !['postgres', 'redis'].includes(n),
    );
    expect(Object.keys(compose.networks).sort()).toEqual([...defaults.regions, 'wan'].sort());
    const expected = defaults.regions.flatMap((r) => [
      `kafka-${r}`,
      `writer-${r}`,
      `mirror-${r}`,
      `reconciler-${r}`,
    ]);
    expect(perRegion.sort()).toEqual(expected.sort());
    for (const r of defaults.regions)
      expect(compose.services[`kafka-${r}`]?.image).toMatch(/^apache\/kafka:4\.1\./);
  });

  for (const region of defaults.regions) {
    it(`wires ${region}'s services with an environment the config module accepts, on the layout's ports`, () => {
      for (const kind of ['writer', 'mirror', 'reconciler'] as const) {
        const service = compose.services[`${kind}-${region}`]!;
        const config = loadConfig({ env: stringEnv(service), cwd: root });
        expect(config.region).toBe(region);
        expect(config.bindHost).toBe('0.0.0.0');
        const port = config.byRegion[region]![kind].port;
        expect(port).toBe(defaults.byRegion[region]![kind].port);
        expect(service.ports).toEqual([`${port}:${port}`]);
        expect(service.command).toEqual(['node', `services/${kind}/dist/main.js`]);
        for (const origin of config.regions) {
          expect(kafkaRoute(config, origin, region)).toEqual([`kafka-${origin}:9092`]);
        }
      }
      const kafka = compose.services[`kafka-${region}`]!;
      const hostPort = defaults.byRegion[region]!.kafka.port;
      expect(kafka.ports).toEqual([`${hostPort}:${hostPort}`]);
      expect(String(kafka.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(
        `HOST://127.0.0.1:${hostPort}`,
      );
      // WAN faults (concord compose partition) act on the `wan` network: only the broker, the
      // mirror and the reconciler of a region reach other regions, the writer stays in-region.
      expect(kafka.networks).toEqual([region, 'wan']);
      expect(compose.services[`mirror-${region}`]!.networks).toEqual([region, 'wan']);
      expect(compose.services[`reconciler-${region}`]!.networks).toEqual([region, 'wan']);
      expect(compose.services[`writer-${region}`]!.networks).toEqual([region]);
    });
  }

  it('lets Prometheus scrape every service on its configured port', () => {
    const prom = parse(readFileSync(resolve(root, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const expected = defaults.regions.flatMap((r) =>
      (['writer', 'reconciler', 'mirror'] as const).map(
        (k) => `${k}-${r}:${defaults.byRegion[r]![k].port}`,
      ),
    );
    expect(targets.sort()).toEqual(expected.sort());
  });
});
