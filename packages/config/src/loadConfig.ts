import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConcordError } from '@concord/core';
import type {
  ConcordConfig,
  KafkaSecurity,
  KafkaSecurityProtocol,
  LinkConfig,
  RegionConfig,
  RegionId,
  Secret,
} from './ConcordConfig.js';
import { portLayout } from './layout.js';
import {
  regionEnvPrefix,
  regionSettings,
  settings,
  type SettingName,
  type SettingValue,
} from './settings.js';

export interface ConfigIssue {
  /** The environment variable (or derived field) at fault. */
  readonly field: string;
  readonly message: string;
  readonly value?: string;
}

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

  // Per-region and per-route overrides; anything else named CONCORD_* is a typo.
  const known = new Set<string>(Object.values(settings).map((s) => s.env));
  const regionByPrefix = new Map(regions.map((r) => [regionEnvPrefix(r), r]));
  const perRegion = new Map<RegionId, Map<string, string>>();
  const routes: Record<string, string[]> = {};
  const suffixes = Object.values(regionSettings).map((s) => s.suffix as string);
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('CONCORD_') || known.has(key) || value === undefined) continue;
    const route = /^CONCORD_([A-Z0-9_]+)_FROM_([A-Z0-9_]+)_KAFKA_BROKERS$/.exec(key);
    if (route) {
      const reader = regionByPrefix.get(`CONCORD_${route[1]}_`);
      const origin = regionByPrefix.get(`CONCORD_${route[2]}_`);
      if (!reader || !origin) {
        issues.push({ field: key, message: 'unknown region in route', value });
        continue;
      }
      const brokers = parseBrokers(key, value, issues);
      if (brokers) routes[`${reader}<-${origin}`] = brokers;
      continue;
    }
    const suffix = suffixes.find((s) => key.endsWith(`_${s}`));
    if (suffix) {
      const prefix = key.slice(0, key.length - suffix.length);
      const r = regionByPrefix.get(prefix);
      if (!r) {
        issues.push({
          field: key,
          message: `unknown region "${prefix.slice('CONCORD_'.length, -1).toLowerCase()}"; configured regions: ${regions.join(', ')}`,
          value,
        });
        continue;
      }
      const m = perRegion.get(r) ?? new Map<string, string>();
      m.set(suffix, value);
      perRegion.set(r, m);
      continue;
    }
    issues.push({ field: key, message: 'unknown setting (see docs/configuration.md)', value });
  }

  const byRegion: Record<RegionId, RegionConfig> = {};
  const links: LinkConfig[] = [];
  regions.forEach((id, index) => {
    const o = perRegion.get(id) ?? new Map<string, string>();
    const p = regionEnvPrefix(id);
    const port = (suffix: string, fallback: number) => {
      const raw = o.get(suffix);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 65535) {
        issues.push({ field: p + suffix, message: 'must be a port number (1–65535)', value: raw });
        return fallback;
      }
      return n;
    };
    const kafkaPort = portLayout.kafka(portBase, index);
    const brokersRaw = o.get('KAFKA_BROKERS');
    const brokers = brokersRaw
      ? (parseBrokers(p + 'KAFKA_BROKERS', brokersRaw, issues) ?? [`127.0.0.1:${kafkaPort}`])
      : [`127.0.0.1:${kafkaPort}`];
    const database = `${namespace}_${id.replace(/-/g, '_')}`;
    const pgUrl = o.get('PG_URL') ?? withDatabase(postgresUrl, database);
    if (o.has('PG_URL')) {
      const check = settings.postgresUrl.schema.safeParse(pgUrl);
      if (!check.success)
        issues.push({ field: p + 'PG_URL', message: 'must be a postgres:// URL', value: pgUrl });
    }
    const writerPort = port('WRITER_PORT', portLayout.writer(portBase, index));
    const reconcilerPort = port('RECONCILER_PORT', portLayout.reconciler(portBase, index));
    const mirrorPort = port('MIRROR_PORT', portLayout.mirror(portBase, index));
    const peerPorts: Record<RegionId, number> = {};
    regions.forEach((reader, readerIndex) => {
      if (reader === id) return;
      peerPorts[reader] = portLayout.kafkaPeer(portBase, index, readerIndex);
      links.push({
        from: id,
        to: reader,
        proxyPort: portLayout.linkProxy(portBase, index, readerIndex),
        upstreamPort: peerPorts[reader],
      });
    });
    const protocolRaw = o.get('KAFKA_SECURITY');
    if (protocolRaw !== undefined && !isProtocol(protocolRaw)) {
      issues.push({
        field: p + 'KAFKA_SECURITY',
        message: 'must be plaintext or sasl_ssl',
        value: protocolRaw,
      });
    }
    const security = kafkaSecurity(
      {
        protocol:
          protocolRaw !== undefined && isProtocol(protocolRaw)
            ? protocolRaw
            : kafkaSecurityRaw.protocol,
        caFile: o.get('KAFKA_CA_FILE') ?? kafkaSecurityRaw.caFile,
        username: o.get('KAFKA_SASL_USERNAME') ?? kafkaSecurityRaw.username,
        password: o.get('KAFKA_SASL_PASSWORD') ?? kafkaSecurityRaw.password,
        passwordFile: o.get('KAFKA_SASL_PASSWORD_FILE') ?? kafkaSecurityRaw.passwordFile,
      },
      // Name the variable the operator has to fix: the region's own when it set the protocol.
      protocolRaw !== undefined ? p : 'CONCORD_',
      issues,
    );
    byRegion[id] = {
      id,
      index,
      kafka: {
        brokers,
        managed: brokersRaw === undefined,
        port: kafkaPort,
        controllerPort: portLayout.kafkaController(portBase, index),
        peerPorts,
        security,
      },
      postgres: { url: pgUrl, database: databaseOf(pgUrl) ?? database },
      redis: {
        url: o.get('REDIS_URL') ?? redisUrl,
        keyPrefix: `${namespace}:${id}:`,
        privatePort: portLayout.redisPrivate(portBase, index),
      },
      writer: { port: writerPort, url: o.get('WRITER_URL') ?? `http://127.0.0.1:${writerPort}` },
      reconciler: {
        port: reconcilerPort,
        url: o.get('RECONCILER_URL') ?? `http://127.0.0.1:${reconcilerPort}`,
      },
      mirror: { port: mirrorPort, url: o.get('MIRROR_URL') ?? `http://127.0.0.1:${mirrorPort}` },
    };
  });

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

interface SecurityInput {
  readonly protocol: KafkaSecurityProtocol;
  readonly caFile: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly passwordFile: string | undefined;
}

function isProtocol(value: string): value is KafkaSecurityProtocol {
  return value === 'plaintext' || value === 'sasl_ssl';
}

/**
 * A value that never reaches a log: JSON (pino), `util.inspect` and string conversion all
 * see `[redacted]`.
 */
function secret(value: string): Secret {
  const redacted = '[redacted]';
  return Object.freeze({
    reveal: () => value,
    toJSON: () => redacted,
    toString: () => redacted,
    [Symbol.for('nodejs.util.inspect.custom')]: () => redacted,
  });
}

/**
 * Validates one Kafka security setting: `sasl_ssl` needs a user and a password (or password
 * file). `prefix` names the variables in issues (`CONCORD_` or `CONCORD_<REGION>_`); a
 * password never appears in an issue.
 */
function kafkaSecurity(input: SecurityInput, prefix: string, issues: ConfigIssue[]): KafkaSecurity {
  const caFile = input.caFile === undefined ? undefined : resolve(input.caFile);
  if (input.protocol === 'plaintext') return { protocol: 'plaintext', caFile, sasl: undefined };
  const security = `${prefix}KAFKA_SECURITY`;
  if (input.username === undefined) {
    issues.push({
      field: `${prefix}KAFKA_SASL_USERNAME`,
      message: `required when ${security} is sasl_ssl`,
    });
  }
  if (input.password === undefined && input.passwordFile === undefined) {
    issues.push({
      field: `${prefix}KAFKA_SASL_PASSWORD_FILE`,
      message: `required (or ${prefix}KAFKA_SASL_PASSWORD) when ${security} is sasl_ssl`,
    });
  }
  return {
    protocol: 'sasl_ssl',
    caFile,
    sasl: {
      mechanism: 'scram-sha-512',
      username: input.username ?? '',
      password: input.password === undefined ? undefined : secret(input.password),
      passwordFile: input.passwordFile === undefined ? undefined : resolve(input.passwordFile),
    },
  };
}

/** The same issue reported for several regions is listed once. */
function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.field}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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

export function configError(raw: readonly ConfigIssue[]): ConcordError {
  // A password in a misspelt or misplaced variable must not be echoed back.
  const issues = raw.map((i) =>
    i.value !== undefined && /PAS[SW]|SECRET/.test(i.field) ? { ...i, value: '[redacted]' } : i,
  );
  const lines = issues.map(
    (i) => `${i.field}: ${i.message}${i.value === undefined ? '' : ` (got "${i.value}")`}`,
  );
  return new ConcordError('CONFIG_INVALID', `invalid configuration: ${lines.join('; ')}`, {
    details: { issues: issues.map((i) => ({ ...i })) },
    retriable: false,
  });
}

function parseBrokers(field: string, raw: string, issues: ConfigIssue[]): string[] | undefined {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  const bad = brokers.filter((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    issues.push({ field, message: 'must be host:port[,host:port…]', value: raw });
    return undefined;
  }
  return brokers;
}

function withDatabase(url: string, database: string): string {
  try {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  } catch {
    return url;
  }
}

function databaseOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

function checkDistinctPorts(
  byRegion: Record<RegionId, RegionConfig>,
  links: LinkConfig[],
  linkControlPort: number,
  postgresPrivatePort: number,
  issues: ConfigIssue[],
): void {
  const owners = new Map<number, string>();
  const claim = (port: number, field: string) => {
    const other = owners.get(port);
    if (other !== undefined) {
      issues.push({ field, message: `port ${port} is also used by ${other}`, value: String(port) });
    } else {
      owners.set(port, field);
    }
  };
  for (const r of Object.values(byRegion)) {
    const p = regionEnvPrefix(r.id);
    claim(r.writer.port, `${p}WRITER_PORT`);
    claim(r.reconciler.port, `${p}RECONCILER_PORT`);
    claim(r.mirror.port, `${p}MIRROR_PORT`);
    if (r.kafka.managed) {
      claim(r.kafka.port, `${r.id}.kafka.port`);
      claim(r.kafka.controllerPort, `${r.id}.kafka.controllerPort`);
      for (const [reader, port] of Object.entries(r.kafka.peerPorts)) {
        claim(port, `${r.id}.kafka.peerPorts.${reader}`);
      }
    }
    claim(r.redis.privatePort, `${r.id}.redis.privatePort`);
  }
  for (const l of links) claim(l.proxyPort, `link ${l.from}->${l.to}`);
  claim(linkControlPort, 'linkControlPort');
  claim(postgresPrivatePort, 'postgres.privatePort');
}
