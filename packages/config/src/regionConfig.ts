import type { LinkConfig, RegionConfig, RegionId } from './ConcordConfig.js';
import type { ConfigIssue } from './configIssues.js';
import { isProtocol, kafkaSecurity, type SecurityInput } from './kafkaSecurity.js';
import { portLayout } from './layout.js';
import { parseBrokers } from './regionOverrides.js';
import { regionEnvPrefix } from './regionSettings.js';
import { settings } from './settings.js';

export interface RegionInputs {
  readonly namespace: string;
  readonly regions: readonly RegionId[];
  readonly portBase: number;
  /** The deployment-wide Postgres URL; each region gets its own database on it. */
  readonly postgresUrl: string;
  readonly redisUrl: string;
  /** The deployment-wide Kafka security settings a region's own settings override. */
  readonly security: SecurityInput;
  readonly perRegion: ReadonlyMap<RegionId, ReadonlyMap<string, string>>;
}

/**
 * Every region's endpoints (ports from the layout unless overridden, one database and one
 * Redis key prefix per region) and the WAN links between every ordered pair of regions.
 */
export function deriveRegions(
  input: RegionInputs,
  issues: ConfigIssue[],
): { byRegion: Record<RegionId, RegionConfig>; links: LinkConfig[] } {
  const { namespace, regions, portBase, postgresUrl, redisUrl, perRegion } = input;
  const kafkaSecurityRaw = input.security;
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
  return { byRegion, links };
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

export function checkDistinctPorts(
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
