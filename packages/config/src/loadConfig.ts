import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ConcordConfig, RegionConfig } from './ConcordConfig.js';
import { configError, dedupe, type ConfigIssue } from './configIssues.js';
import { kafkaSecurity, type SecurityInput } from './kafkaSecurity.js';
import { portLayout } from './layout.js';
import { checkDistinctPorts, deriveRegions } from './regionConfig.js';
import { collectRegionOverrides } from './regionOverrides.js';
import { settings, type SettingName, type SettingValue } from './settings.js';

export { configError, type ConfigIssue } from './configIssues.js';

export interface LoadConfigOptions {
  /** Defaults to process.env. This is the only place Concord reads the environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over the environment (e.g. from CLI flags), keyed by env name. */
  overrides?: Readonly<Record<string, string | undefined>>;
  /** Where to start looking for the workspace root. Defaults to process.cwd(). */
  cwd?: string;
}

const MAX_BATCH_ITEMS = 500;

/** Finds the directory holding pnpm-workspace.yaml above `from`, else `from` itself. */
export function findWorkspaceRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}

/**
 * Reads, validates and derives the whole configuration. Fails with one CONFIG_INVALID error
 * that names every offending field.
 */
export function loadConfig(options: LoadConfigOptions = {}): ConcordConfig {
  const env: Record<string, string | undefined> = {
    ...(options.env ?? process.env),
    ...(options.overrides ?? {}),
  };
  const issues: ConfigIssue[] = [];

  function read<K extends SettingName>(name: K): SettingValue<K> {
    const s = settings[name];
    const raw = env[s.env];
    if (raw === undefined || raw === '') return s.default as SettingValue<K>;
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => i.message).join('; ');
      issues.push({ field: s.env, message, value: raw });
      return s.default as SettingValue<K>;
    }
    return parsed.data as SettingValue<K>;
  }

  const namespace = read('namespace');
  const regions = read('regions');
  const region = read('region');
  const portBase = read('portBase');
  const workspaceRoot = findWorkspaceRoot(options.cwd ?? process.cwd());
  const stateDir = resolve(read('stateDir') ?? join(workspaceRoot, '.concord'));
  const cacheDir = resolve(read('cacheDir') ?? join(homedir(), '.cache', 'concord'));
  const postgresUrl = read('postgresUrl');
  const redisUrl = read('redisUrl');
  const kafkaSecurityRaw: SecurityInput = {
    protocol: read('kafkaSecurity'),
    caFile: read('kafkaCaFile'),
    username: read('kafkaSaslUsername'),
    password: read('kafkaSaslPassword'),
    passwordFile: read('kafkaSaslPasswordFile'),
  };

  if (region !== undefined && !regions.includes(region)) {
    issues.push({
      field: settings.region.env,
      message: `unknown region "${region}"; configured regions: ${regions.join(', ')}`,
      value: region,
    });
  }

  const { perRegion, routes } = collectRegionOverrides(env, regions, issues);
  const { byRegion, links } = deriveRegions(
    { namespace, regions, portBase, postgresUrl, redisUrl, security: kafkaSecurityRaw, perRegion },
    issues,
  );
  const linkControlPort = portLayout.linkControl(portBase);
  const postgresPrivatePort = portLayout.postgresPrivate(portBase);
  checkDistinctPorts(byRegion, links, linkControlPort, postgresPrivatePort, issues);

  const apiTokens = read('apiTokens');
  const adminToken = read('adminToken');
  const config: ConcordConfig = {
    namespace,
    regions,
    region,
    portBase,
    workspaceRoot,
    stateDir,
    cacheDir,
    replication: { mode: read('replicationMode') },
    stackProvider: read('stackProvider'),
    kafka: {
      version: read('kafkaVersion'),
      heapMb: read('kafkaHeapMb'),
      partitions: read('kafkaPartitions'),
      requestTimeoutMs: read('kafkaRequestTimeoutMs'),
      security: kafkaSecurity(kafkaSecurityRaw, 'CONCORD_', issues),
    },
    mm2: { heapMb: read('mm2HeapMb') },
    postgres: {
      adminUrl: postgresUrl,
      mode: read('postgresMode'),
      privatePort: postgresPrivatePort,
    },
    redis: { url: redisUrl, mode: read('redisMode') },
    byRegion,
    links,
    linkControlPort,
    kafkaRoutes: routes,
    auth: { apiTokens, adminToken, insecure: read('insecure') },
    keys: { dir: resolve(read('keysDir') ?? join(stateDir, 'keys')) },
    limits: {
      maxEventBytes: read('maxEventBytes'),
      maxInflightAppends: read('maxInflightAppends'),
      maxBatchItems: MAX_BATCH_ITEMS,
      hlcMaxDriftMs: read('hlcMaxDriftMs'),
      parkedAlertSeconds: read('parkedAlertSeconds'),
    },
    reconciler: {
      ownerFailoverMs: read('ownerFailoverMs'),
      antiEntropyIntervalMs: read('antiEntropyIntervalMs'),
      pollMs: read('reconcilerPollMs'),
      splitBrain: {
        conflictsPerMinute: read('splitBrainConflictsPerMinute'),
        conflictSpikeFactor: read('splitBrainConflictSpike'),
        conflictSpikeFloor: read('splitBrainConflictSpikeFloor'),
        divergentStreams: read('splitBrainDivergentStreams'),
        stalledMs: read('splitBrainStallMs'),
      },
    },
    bindHost: read('bindHost'),
    clock: { offsetMs: read('clockOffsetMs') },
    tracing: { exporter: read('tracesExporter'), otlpEndpoint: read('otlpEndpoint') },
    log: { level: read('logLevel') },
  };

  if (issues.length > 0) throw configError(dedupe(issues));
  return config;
}

/** Asserts that the config names the region this process serves, and returns it. */
export function requireRegion(config: ConcordConfig): RegionConfig {
  const region = config.region;
  const rc = region === undefined ? undefined : config.byRegion[region];
  if (!rc) {
    throw configError([
      { field: settings.region.env, message: `required; one of ${config.regions.join(', ')}` },
    ]);
  }
  return rc;
}
