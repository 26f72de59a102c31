import type { Command } from 'commander';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, isErrorCode } from '@concord/core';
import { readLocalTokens, readServicesStatus } from '@concord/runner';
import type { MirrorBacklog } from '@concord/mirror';
import { readStackEndpoints } from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { renderTable } from '../output/renderTable.js';
import { renderServices } from './run.js';

/*
 * Shared by the commands that talk to running services (status, verify, conflicts, fence):
 * where the services are and how to call them.
 */

/** The configuration of the deployment the services run in (stack.json's regions win). */
export function deploymentConfig(ctx: CliContext, regions?: string): ConcordConfig {
  if (regions !== undefined) return ctx.config({ CONCORD_REGIONS: regions });
  const config = ctx.config();
  const running = readStackEndpoints(config)?.regions;
  if (running && running.join(',') !== config.regions.join(',')) {
    return ctx.config({ CONCORD_REGIONS: running.join(',') });
  }
  return config;
}

/** The admin token the services accept (CONCORD_ADMIN_TOKEN, or the one `concord run` made). */
export function adminToken(config: ConcordConfig): string | undefined {
  return readLocalTokens(config)?.adminToken;
}

/** Says why every call is about to be refused when there is no admin token at all. */
export function warnWithoutToken(ctx: CliContext, token: string | undefined): void {
  if (token === undefined) {
    ctx.err(
      'warning: no admin token — set CONCORD_ADMIN_TOKEN, or start the services with `concord run` (it writes <state>/tokens.json)',
    );
  }
}

/** A region argument checked against the deployment's regions. */
export function regionArg(config: ConcordConfig, region: string): RegionId {
  if (!config.regions.includes(region)) {
    throw new ConcordError(
      'UNKNOWN_REGION',
      `unknown region "${region}" (regions: ${config.regions.join(', ')})`,
    );
  }
  return region;
}

/**
 * One JSON call to a service. A Concord error body comes back as that ConcordError; no answer
 * at all is `TIMEOUT` with `details.unreachable` (see {@link isUnreachable}).
 */
export async function callService<T>(
  url: string,
  options: {
    method?: 'GET' | 'POST' | 'DELETE';
    token?: string | undefined;
    body?: unknown;
    timeoutMs?: number;
  } = {},
): Promise<T> {
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? (error as Error).message);
    throw new ConcordError('TIMEOUT', `${url}: ${reason}`, {
      cause: error,
      details: { unreachable: true, url },
    });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
    throw new ConcordError(
      isErrorCode(e?.code) ? e.code : 'INTERNAL',
      typeof e?.message === 'string' ? e.message : `${url}: HTTP ${response.status}`,
      {
        details: {
          status: response.status,
          ...(typeof e?.details === 'object' && e.details !== null
            ? (e.details as Record<string, unknown>)
            : {}),
        },
      },
    );
  }
  return body as T;
}

/** True when the service did not answer at all. */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof ConcordError &&
    error.code === 'TIMEOUT' &&
    (error.details as { unreachable?: unknown } | undefined)?.unreachable === true
  );
}

/** What `GET /v1/status` of a reconciler answers (the fields the CLI reads). */
interface ReconcilerStatus {
  readonly region: RegionId;
  readonly fenced: boolean;
  readonly fenceReason: string | null;
  readonly openConflicts: number;
  readonly conflictsLastMinute: number;
  readonly pending: { count: number; oldestSeconds: number | null };
  readonly lag: readonly {
    origin: string;
    events: number;
    lagP50: number | null;
    lagMax: number | null;
    lastAppliedAgo: number;
  }[];
  readonly divergentStreams: number | null;
  readonly convergence: {
    comparedAt: string;
    converged: boolean;
    differingStreams: number;
    convergenceSeconds: number | null;
    unreachable: readonly string[];
  } | null;
  readonly splitBrain: { suspected: boolean; reasons: readonly string[] } | null;
  readonly peers: readonly { region: string; reachable: boolean }[];
}

/** One region in `concord status`. */
export interface RegionStatus {
  readonly region: RegionId;
  readonly reachable: boolean;
  readonly error?: string;
  readonly endpoints: { writer: string; mirror: string; reconciler: string };
  readonly status?: ReconcilerStatus;
  /** From the writer when the reconciler does not answer. */
  readonly fenced?: boolean;
  /** The mirror's backlog and apply health (answered from its memory). */
  readonly backlog?: MirrorBacklog;
  readonly backlogError?: string;
}

/** The mirror's `GET /v1/backlog`, or why it did not answer. */
async function mirrorBacklog(
  url: string,
  token: string | undefined,
): Promise<Pick<RegionStatus, 'backlog' | 'backlogError'>> {
  try {
    return {
      backlog: await callService<MirrorBacklog>(`${url}/v1/backlog`, { token, timeoutMs: 5000 }),
    };
  } catch (error) {
    return { backlogError: (error as Error).message };
  }
}

async function regionStatus(
  config: ConcordConfig,
  region: RegionId,
  token: string | undefined,
): Promise<RegionStatus> {
  const rc = config.byRegion[region]!;
  const endpoints = { writer: rc.writer.url, mirror: rc.mirror.url, reconciler: rc.reconciler.url };
  const backlog = mirrorBacklog(rc.mirror.url, token);
  try {
    const status = await callService<ReconcilerStatus>(`${rc.reconciler.url}/v1/status`, {
      token,
      timeoutMs: 5000,
    });
    return { region, reachable: true, endpoints, status, ...(await backlog) };
  } catch (error) {
    let fenced: boolean | undefined;
    try {
      fenced = (
        await callService<{ fenced: boolean }>(`${rc.writer.url}/v1/admin/fence`, {
          token,
          timeoutMs: 3000,
        })
      ).fenced;
    } catch {
      fenced = undefined;
    }
    return {
      region,
      reachable: false,
      error: (error as Error).message,
      endpoints,
      ...(fenced === undefined ? {} : { fenced }),
      ...(await backlog),
    };
  }
}

const seconds = (s: number | null | undefined) =>
  s === null || s === undefined ? '-' : s < 10 ? `${s.toFixed(2)}s` : `${s.toFixed(0)}s`;

/** Records not yet applied per origin, with the age of the oldest (`-` when the mirror is silent). */
export function renderBacklog(r: Pick<RegionStatus, 'backlog' | 'backlogError'>): string {
  if (!r.backlog) return `? (mirror: ${r.backlogError ?? 'no answer'})`;
  return (
    r.backlog.origins
      .map((o) => `${o.origin} ${o.records}${o.records > 0 ? ` (${seconds(o.seconds)})` : ''}`)
      .join(', ') || '-'
  );
}

/** Whether the mirror's apply transactions commit: `ok`, `FAILING since … (code)`, or a long wait. */
export function renderApply(r: Pick<RegionStatus, 'backlog'>): string {
  const apply = r.backlog?.apply;
  if (!apply) return '?';
  if (apply.failing) {
    return `FAILING since ${apply.failing.since.slice(11, 19)} (${apply.failing.code}) for ${seconds(apply.failing.seconds)}`;
  }
  return apply.openSeconds >= 5 ? `transaction open ${seconds(apply.openSeconds)}` : 'ok';
}

/** The per-region table of `concord status`. */
export function renderRegionStatus(regions: readonly RegionStatus[]): string {
  return renderTable(
    [
      'region',
      'fenced',
      'apply',
      'backlog by origin',
      'lag p50/max by origin (last 60 s)',
      'pending',
      'open conflicts',
      'divergent',
      'last comparison',
    ],
    regions.map((r) => {
      if (!r.status) {
        return [
          r.region,
          r.fenced === undefined ? '?' : r.fenced ? 'FENCED' : 'no',
          renderApply(r),
          renderBacklog(r),
          `NO ANSWER: ${r.error ?? ''}`,
          '?',
          '?',
          '?',
          '?',
        ];
      }
      const s = r.status;
      const lag = s.lag
        .map(
          (l) =>
            `${l.origin} ${l.events > 0 ? `${seconds(l.lagP50)}/${seconds(l.lagMax)}` : `idle ${seconds(l.lastAppliedAgo)}`}`,
        )
        .join(', ');
      const c = s.convergence;
      const comparison = !c
        ? 'none yet'
        : [
            `${c.comparedAt.slice(11, 19)} ${c.converged ? 'converged' : `${c.differingStreams} streams differ`}`,
            c.unreachable.length ? `unreachable: ${c.unreachable.join(',')}` : '',
            c.convergenceSeconds !== null
              ? `last convergence took ${seconds(c.convergenceSeconds)}`
              : '',
          ]
            .filter(Boolean)
            .join('; ');
      return [
        r.region,
        s.fenced ? `FENCED${s.fenceReason ? ` (${s.fenceReason})` : ''}` : 'no',
        renderApply(r),
        renderBacklog(r),
        lag || '-',
        s.pending.count === 0
          ? '0'
          : `${s.pending.count} (oldest ${seconds(s.pending.oldestSeconds)})`,
        String(s.openConflicts),
        `${s.divergentStreams ?? '?'}${s.splitBrain?.suspected ? ' SPLIT-BRAIN SUSPECTED' : ''}`,
        comparison,
      ];
    }),
  );
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'every region at a glance: apply health, backlog and replication lag per origin, parked events, open conflicts, divergent streams, fence; and the services with their endpoints',
    )
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(async (opts: { regions?: string; json?: boolean }) => {
      const config = deploymentConfig(ctx, opts.regions);
      const token = adminToken(config);
      warnWithoutToken(ctx, token);
      const regions = await Promise.all(config.regions.map((r) => regionStatus(config, r, token)));
      const services = readServicesStatus(config);
      if (opts.json) {
        ctx.out(JSON.stringify({ regions, services }, null, 2));
        return;
      }
      ctx.out(renderRegionStatus(regions));
      ctx.out('');
      if (!services.supervisor) {
        ctx.out('services: none started here by `concord run`; endpoints:');
        ctx.out(
          renderTable(
            ['region', 'writer', 'mirror', 'reconciler'],
            regions.map((r) => [
              r.region,
              r.endpoints.writer,
              r.endpoints.mirror,
              r.endpoints.reconciler,
            ]),
          ),
        );
      } else {
        ctx.out(
          `services (supervisor pid ${services.supervisor.pid}: ${services.supervisor.running ? 'running' : 'not running'}):`,
        );
        ctx.out(renderServices(services.services));
      }
      for (const r of regions) {
        const failing = r.backlog?.apply.failing;
        if (failing) {
          ctx.err(
            `warning: ${r.region}: apply transactions failing since ${failing.since} (${failing.code}): ${failing.message} — see docs/runbooks/replication-lag.md`,
          );
        }
        if (r.status?.splitBrain?.suspected) {
          ctx.err(
            `warning: split brain suspected in ${r.region}: ${r.status.splitBrain.reasons.join('; ')} — consider \`concord fence <region>\``,
          );
        }
      }
    });
}

export const statusCommand: CommandModule = { name: 'status', register };
