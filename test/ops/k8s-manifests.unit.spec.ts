import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';

/**
 * No Kubernetes or kustomize binary here: the manifests are checked structurally — probes,
 * ports, resources, PDBs — and the environment each overlay produces is fed to the real
 * config module, which must accept it and put every service on the port its container exposes.
 */
const k8s = resolve(import.meta.dirname, '../../infra/k8s');
interface Doc {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}
interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; behavior?: string; literals: string[] }[];
}
const base = parse(readFileSync(resolve(k8s, 'base/kustomization.yaml'), 'utf8')) as Kustomization;
const docs: Doc[] = (base.resources ?? []).flatMap((file) =>
  parseAllDocuments(readFileSync(resolve(k8s, 'base', file), 'utf8')).map((d) => d.toJS() as Doc),
);
const literals = (k: Kustomization) =>
  Object.fromEntries(
    (k.configMapGenerator?.find((g) => g.name === 'concord-config')?.literals ?? []).map((l) =>
      l.split(/=(.*)/s).slice(0, 2),
    ),
  );
const deployments = docs.filter((d) => d.kind === 'Deployment');
type Container = {
  command: string[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
};
const container = (d: Doc) =>
  (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

describe('Kubernetes manifests', () => {
  it('deploy writer, mirror and reconciler with probes, resources, a Service and a PodDisruptionBudget each', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'concord-mirror',
      'concord-reconciler',
      'concord-writer',
    ]);
    for (const d of deployments) {
      const c = container(d);
      const kind = d.metadata.name.replace('concord-', '');
      expect(c.command).toEqual(['node', `services/${kind}/dist/main.js`]);
      expect(existsSync(resolve(k8s, '../../services', kind, 'src/main.ts'))).toBe(true);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
      expect(c.envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
        'concord-config',
        'concord-tokens',
      ]);
      const selector = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      const pdb = docs.find(
        (x) => x.kind === 'PodDisruptionBudget' && x.metadata.name === d.metadata.name,
      );
      expect((pdb?.spec as { selector: { matchLabels: unknown } }).selector.matchLabels).toEqual(
        selector,
      );
      const svc = docs.find((x) => x.kind === 'Service' && x.metadata.name === d.metadata.name);
      expect((svc?.spec as { ports: { targetPort: string }[] }).ports[0]?.targetPort).toBe('http');
    }
  });

  const overlays = readdirSync(resolve(k8s, 'overlays'));
  it('has one overlay per configured region', () => {
    expect(overlays.sort()).toEqual(loadConfig({ env: {}, cwd: k8s }).regions.slice().sort());
  });

  for (const region of overlays) {
    it(`overlay ${region}: the config module accepts its environment and serves each service on its container port`, () => {
      const overlay = parse(
        readFileSync(resolve(k8s, 'overlays', region, 'kustomization.yaml'), 'utf8'),
      ) as Kustomization;
      expect(overlay.configMapGenerator?.[0]?.behavior).toBe('merge');
      const env = {
        ...literals(base),
        ...literals(overlay),
        CONCORD_API_TOKENS: 'secret-api-token-0001',
        CONCORD_ADMIN_TOKEN: 'secret-admin-token-01',
        CONCORD_KEYS_DIR: '/keys',
      };
      const config = loadConfig({ env, cwd: k8s });
      expect(config.region).toBe(region);
      expect(config.bindHost).toBe('0.0.0.0'); // reachable by probes and other pods
      for (const d of deployments) {
        const kind = d.metadata.name.replace('concord-', '') as 'writer' | 'mirror' | 'reconciler';
        expect(config.byRegion[region]![kind].port).toBe(container(d).ports[0]!.containerPort);
      }
      expect(config.byRegion[region]!.kafka.managed).toBe(false);
      for (const other of config.regions.filter((r) => r !== region)) {
        expect(config.kafkaRoutes[`${region}<-${other}`]).toBeDefined();
        expect(config.byRegion[other]!.reconciler.url).toMatch(/^https:\/\//);
      }
    });
  }
});
