import type { Command } from 'commander';
import type { ConcordConfig, RegionId } from '@concord/config';
import {
  ConcordError,
  diffDigests,
  sleep,
  type BucketRollup,
  type DigestDiff,
  type EventId,
  type StreamDigest,
  type StreamId,
} from '@concord/core';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import {
  adminToken,
  callService,
  deploymentConfig,
  isUnreachable,
  warnWithoutToken,
} from './serviceCalls.js';

/** The reconciler's `GET /v1/digest` (the fields verify reads). */
interface RollupsAnswer {
  readonly region: RegionId;
  readonly computedAt: string;
  readonly streams: number;
  readonly events: number;
  readonly buckets: Readonly<Record<string, string>>;
  readonly projection: {
    readonly mismatches: readonly { stream: StreamId; problems: readonly string[] }[];
  };
}

/** What `concord verify --json` prints. */
export interface VerifyReport {
  /** True only when every region answered, every digest is equal and no stored projection disagrees with its events. */
  readonly converged: boolean;
  readonly regions: Readonly<
    Record<
      RegionId,
      | { reachable: true; computedAt: string; streams: number; events: number }
      | { reachable: false; error: string }
    >
  >;
  readonly differingBuckets: readonly number[];
  /** Streams whose event sets or (independently folded) states differ, with the missing ids. */
  readonly streams: DigestDiff['streams'];
  /** Per region, stored stream rows that disagree with the region's own events. */
  readonly projectionMismatches: Readonly<
    Record<RegionId, readonly { stream: StreamId; problems: readonly string[] }[]>
  >;
}

/**
 * Compares every region's digests through their reconcilers (`/v1/digest`, computed from each
 * region's events and an independent fold, never from the stored state), level by level: bucket
 * roll-ups, then the stream digests of differing buckets, then the ids of differing streams.
 * A region that does not answer makes the verdict "not converged".
 */
export async function verifyRegions(
  config: ConcordConfig,
  token: string | undefined,
): Promise<VerifyReport> {
  const regions: Record<RegionId, VerifyReport['regions'][string]> = {};
  const rollups: Record<RegionId, BucketRollup> = {};
  const projectionMismatches: Record<RegionId, RollupsAnswer['projection']['mismatches']> = {};
  const url = (r: RegionId) => config.byRegion[r]!.reconciler.url;
  await Promise.all(
    config.regions.map(async (r) => {
      try {
        const a = await callService<RollupsAnswer>(`${url(r)}/v1/digest?maxAgeMs=0`, {
          token,
          timeoutMs: 30_000,
        });
        regions[r] = {
          reachable: true,
          computedAt: a.computedAt,
          streams: a.streams,
          events: a.events,
        };
        rollups[r] = Object.fromEntries(Object.entries(a.buckets).map(([b, h]) => [Number(b), h]));
        if (a.projection.mismatches.length > 0) projectionMismatches[r] = a.projection.mismatches;
      } catch (error) {
        regions[r] = {
          reachable: false,
          error: isUnreachable(error)
            ? `unreachable: ${(error as Error).message}`
            : `${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`,
        };
      }
    }),
  );
  const reachable = config.regions.filter((r) => regions[r]?.reachable);
  const first = diffDigests({ rollups });
  let streams: DigestDiff['streams'] = [];
  if (first.buckets.length > 0) {
    const digests: Record<RegionId, StreamDigest[]> = {};
    const list = first.buckets.join(',');
    await Promise.all(
      reachable.map(async (r) => {
        const a = await callService<{ streams: StreamDigest[] }>(
          `${url(r)}/v1/digest?maxAgeMs=60000&buckets=${list}`,
          { token, timeoutMs: 30_000 },
        );
        digests[r] = a.streams;
      }),
    );
    const byStream = new Map<StreamId, Record<RegionId, EventId[]>>();
    const second = diffDigests({ rollups, streams: digests });
    const eventStreams = second.streams.filter((s) => s.kind === 'events').map((s) => s.stream);
    for (let i = 0; i < eventStreams.length; i += 50) {
      const chunk = eventStreams.slice(i, i + 50);
      await Promise.all(
        reachable.map(async (r) => {
          const a = await callService<{
            streams: Record<StreamId, { events: { id: EventId }[] }>;
          }>(`${url(r)}/v1/digest?streams=${chunk.map(encodeURIComponent).join(',')}`, {
            token,
            timeoutMs: 30_000,
          });
          for (const stream of chunk) {
            const entry = byStream.get(stream) ?? {};
            entry[r] = (a.streams[stream]?.events ?? []).map((e) => e.id);
            byStream.set(stream, entry);
          }
        }),
      );
    }
    streams = diffDigests({ rollups, streams: digests, eventIds: (s) => byStream.get(s) }).streams;
  }
  return {
    converged:
      reachable.length === config.regions.length &&
      first.converged &&
      Object.keys(projectionMismatches).length === 0,
    regions,
    differingBuckets: first.buckets,
    streams,
    projectionMismatches,
  };
}

/** The human form of a verify report. */
export function renderVerify(report: VerifyReport): string[] {
  const lines: string[] = [];
  const down = Object.entries(report.regions).filter(([, r]) => !r.reachable);
  for (const [region, r] of down) {
    lines.push(`region ${region}: cannot be compared (${'error' in r ? r.error : ''})`);
  }
  if (report.converged) {
    const any = Object.values(report.regions).find((r) => r.reachable);
    lines.push(
      `converged: ${Object.keys(report.regions).length} regions hold identical event sets and states (${any && 'streams' in any ? `${any.streams} streams, ${any.events} events` : ''})`,
    );
    return lines;
  }
  for (const s of report.streams) {
    if (s.kind === 'events') {
      const missing = Object.entries(s.missing ?? {})
        .filter(([, ids]) => ids.length > 0)
        .map(
          ([region, ids]) =>
            `${region} lacks ${ids.length > 5 ? `${ids.slice(0, 5).join(', ')} … (${ids.length})` : ids.join(', ')}`,
        );
      lines.push(
        `stream ${s.stream}: event sets differ — ${missing.join('; ') || 'absent in some region'}`,
      );
    } else {
      lines.push(
        `stream ${s.stream}: same events, different folded state (${Object.entries(s.stateHashes)
          .map(([r, h]) => `${r} ${h?.slice(0, 8) ?? '-'}`)
          .join(', ')})`,
      );
    }
  }
  for (const [region, list] of Object.entries(report.projectionMismatches)) {
    for (const m of list) {
      lines.push(
        `stream ${m.stream}: ${region}'s stored projection disagrees with its events (${m.problems.join(', ')})`,
      );
    }
  }
  return lines;
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description(
      'prove convergence: exit 0 only when every region holds identical event sets and states (exit 9 NOT_CONVERGED otherwise, naming what differs)',
    )
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--wait <seconds>', 'keep checking until converged or this many seconds passed', '0')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { regions?: string; wait: string; json?: boolean }) => {
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 0) {
        throw new ConcordError(
          'VALIDATION_FAILED',
          `--wait must be a number of seconds (got "${opts.wait}")`,
        );
      }
      const config = deploymentConfig(ctx, opts.regions);
      const token = adminToken(config);
      warnWithoutToken(ctx, token);
      const started = Date.now();
      const attempt = async () => {
        try {
          return await verifyRegions(config, token);
        } catch (error) {
          // A region that answered the roll-ups but not the drill-down: still no proof.
          throw new ConcordError(
            'NOT_CONVERGED',
            `could not complete the comparison: ${(error as Error).message}`,
            { cause: error },
          );
        }
      };
      let report = await attempt();
      while (!report.converged && Date.now() - started < wait * 1000) {
        await sleep(500);
        report = await attempt();
      }
      const elapsedMs = Date.now() - started;
      if (opts.json) ctx.out(JSON.stringify({ ...report, elapsedMs }, null, 2));
      else for (const line of renderVerify(report)) ctx.out(line);
      if (!report.converged) {
        const down = Object.entries(report.regions)
          .filter(([, r]) => !r.reachable)
          .map(([r]) => r);
        const differing = new Set([
          ...report.streams.map((s) => s.stream),
          ...Object.values(report.projectionMismatches).flatMap((l) => l.map((m) => m.stream)),
        ]);
        throw new ConcordError(
          'NOT_CONVERGED',
          down.length > 0
            ? `cannot prove convergence: ${down.join(', ')} unreachable${differing.size ? `; ${differing.size} streams differ among the others` : ''}`
            : `${differing.size} stream${differing.size === 1 ? '' : 's'} differ between regions`,
          { details: { streams: [...differing].sort(), unreachable: down } },
        );
      }
    });
}

export const verifyCommand: CommandModule = { name: 'verify', register };
