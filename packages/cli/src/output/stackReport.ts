import {
  formatDuration,
  formatRate,
  type LinkStatus,
  type StackEndpoints,
  type StackStatus,
} from '@concord/stack';
import { renderTable } from './renderTable.js';

/** The endpoints table printed after `stack up`. */
export function renderEndpoints(e: StackEndpoints): string {
  const regions = renderTable(
    ['region', 'kafka', 'postgres', 'redis'],
    e.regions.map((r) => {
      const x = e.byRegion[r]!;
      return [
        r,
        x.kafka.brokers.join(','),
        x.postgres.url,
        `${x.redis.url} (prefix ${x.redis.keyPrefix})`,
      ];
    }),
  );
  const links = renderTable(
    ['link (broker->reader)', 'bootstrap', 'upstream'],
    e.links.map((l) => [`${l.from}->${l.to}`, l.bootstrap, `127.0.0.1:${l.upstreamPort}`]),
  );
  return [
    regions,
    '',
    links,
    '',
    `postgres: ${e.postgres.mode} (${e.postgres.serverUrl}); redis: ${e.redis.mode}; link control: ${e.linkControl.url}`,
    `signing keys: ${e.keysDir}`,
  ].join('\n');
}

function linkState(l: LinkStatus): string {
  if (l.cut) return 'CUT';
  const slow = l.latencyMs > 0 || l.bandwidthBitsPerSecond > 0;
  return slow ? 'degraded' : 'up';
}

/** The links table of `stack status` and of the link commands. */
export function renderLinks(links: readonly LinkStatus[]): string {
  return renderTable(
    ['link', 'proxy', 'upstream', 'state', 'latency', 'jitter', 'bandwidth', 'conns', 'blackholed'],
    links.map((l) => [
      `${l.from}->${l.to}`,
      String(l.proxyPort),
      String(l.upstreamPort),
      linkState(l),
      l.latencyMs ? formatDuration(l.latencyMs) : '-',
      l.jitterMs ? formatDuration(l.jitterMs) : '-',
      formatRate(l.bandwidthBitsPerSecond),
      String(l.connections),
      String(l.blackholed),
    ]),
  );
}

/** Human form of `stack status`. */
export function renderStatus(s: StackStatus): string {
  const rows: string[][] = [];
  for (const b of s.brokers) {
    rows.push([
      'kafka',
      b.region,
      b.managed ? b.state : 'external',
      b.pid ? String(b.pid) : '-',
      b.managed ? `${b.port} (controller ${b.controllerPort})` : '-',
    ]);
  }
  rows.push([
    'links',
    '*',
    s.linkDaemon.state,
    s.linkDaemon.pid
      ? `${s.linkDaemon.pid}${s.linkDaemon.workerPid ? `+${s.linkDaemon.workerPid}` : ''}`
      : '-',
    `${s.linkDaemon.controlPort} (control)`,
  ]);
  rows.push([
    'postgres',
    '*',
    s.postgres.state,
    s.postgres.pid ? String(s.postgres.pid) : '-',
    s.postgres.port ? String(s.postgres.port) : (s.endpoints?.postgres.serverUrl ?? '-'),
  ]);
  for (const r of s.redis) {
    rows.push([
      'redis',
      r.region,
      r.state,
      r.pid ? String(r.pid) : '-',
      r.port ? String(r.port) : (s.endpoints?.byRegion[r.region]?.redis.url ?? '-'),
    ]);
  }
  const parts = [
    `stack ${s.running ? 'RUNNING' : 'NOT RUNNING'} (state ${s.stateDir})`,
    '',
    renderTable(['part', 'region', 'state', 'pid', 'ports'], rows),
  ];
  if (s.links) parts.push('', renderLinks(s.links));
  return parts.join('\n');
}
