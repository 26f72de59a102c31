import type { Command } from 'commander';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { renderTable } from '../output/renderTable.js';
import {
  adminToken,
  callService,
  deploymentConfig,
  isUnreachable,
  regionArg,
} from './serviceCalls.js';

interface ConflictRow {
  id: string;
  stream: string;
  heads: string[];
  status: string;
  policy: string;
  contestedFields: string[];
  detectedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

interface ViewEvent {
  id: string;
  type: string;
  origin: string;
  hlc: { wall: number; logical: number };
  data: unknown;
  appliedAt: string;
}

interface ConflictView {
  region: string;
  conflict: ConflictRow;
  policy: string;
  owner: string;
  failoverOrder: string[];
  current: boolean;
  branches: { head: string; events: ViewEvent[] }[];
  contested: { field: string; writers: string[]; winner?: string }[];
  winners: Record<string, string>;
  resolvedBy: ViewEvent | null;
  resolutions: { mergeId: string; role: string; duplicate: boolean; emittedAt: string }[];
}

/**
 * The region to ask: `--region`, else CONCORD_REGION, else the first region whose reconciler
 * answers (every region records the same conflicts).
 */
async function pickRegion(
  config: ConcordConfig,
  token: string | undefined,
  region: string | undefined,
): Promise<RegionId> {
  if (region !== undefined) return regionArg(config, region);
  if (config.region !== undefined) return config.region;
  const errors: string[] = [];
  for (const r of config.regions) {
    try {
      await callService(`${config.byRegion[r]!.reconciler.url}/readyz`, { token, timeoutMs: 2000 });
      return r;
    } catch (error) {
      if (!isUnreachable(error)) return r;
      errors.push(`${r}: ${(error as Error).message}`);
    }
  }
  throw new ConcordError(
    'TIMEOUT',
    `no region's reconciler answers (${errors.join('; ')}) — are the services running (\`concord run\`)?`,
  );
}

/** The tail of an id (UUIDv7 ids share their leading timestamp digits; the tail tells them apart). */
const short = (id: string | null | undefined) => (id ? `…${id.slice(-8)}` : '-');
const SHOWN_PER_BRANCH = 10;

function register(program: Command, ctx: CliContext): void {
  const conflicts = program
    .command('conflicts')
    .description(
      'conflicts recorded by a region (same ids everywhere): list, show, resolve manual ones',
    );

  conflicts
    .command('list')
    .description('conflicts, newest first')
    .option(
      '--region <region>',
      'region to ask (default: CONCORD_REGION or the first that answers)',
    )
    .option('--status <status>', 'open, resolved or superseded')
    .option('--stream <stream>', 'only this stream')
    .option('--limit <n>', 'at most this many', '50')
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(
      async (opts: {
        region?: string;
        status?: string;
        stream?: string;
        limit: string;
        regions?: string;
        json?: boolean;
      }) => {
        const config = deploymentConfig(ctx, opts.regions);
        const token = adminToken(config);
        const region = await pickRegion(config, token, opts.region);
        const query = new URLSearchParams({ limit: opts.limit });
        if (opts.status) query.set('status', opts.status);
        if (opts.stream) query.set('stream', opts.stream);
        const page = await callService<{ conflicts: ConflictRow[]; nextCursor: string | null }>(
          `${config.byRegion[region]!.reconciler.url}/v1/conflicts?${query}`,
          { token },
        );
        if (opts.json) {
          ctx.out(JSON.stringify({ region, ...page }, null, 2));
          return;
        }
        if (page.conflicts.length === 0) {
          ctx.out(`no conflicts in ${region}${opts.status ? ` with status ${opts.status}` : ''}`);
          return;
        }
        ctx.out(
          renderTable(
            ['id', 'stream', 'status', 'policy', 'heads', 'contested', 'detected', 'resolved by'],
            page.conflicts.map((c) => [
              c.id,
              c.stream,
              c.status,
              c.policy,
              c.heads.map(short).join(','),
              c.contestedFields.join(',') || '-',
              c.detectedAt.replace('T', ' ').slice(0, 19),
              short(c.resolvedBy),
            ]),
          ),
        );
        if (page.nextCursor)
          ctx.err(`(more: use --limit; showing ${page.conflicts.length}, region ${region})`);
      },
    );

  conflicts
    .command('show <id>')
    .description(
      'one conflict: its branches with their events, contested fields and the fold’s winners',
    )
    .option(
      '--region <region>',
      'region to ask (default: CONCORD_REGION or the first that answers)',
    )
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { region?: string; regions?: string; json?: boolean }) => {
      const config = deploymentConfig(ctx, opts.regions);
      const token = adminToken(config);
      const region = await pickRegion(config, token, opts.region);
      const view = await callService<ConflictView>(
        `${config.byRegion[region]!.reconciler.url}/v1/conflicts/${encodeURIComponent(id)}`,
        { token },
      );
      if (opts.json) {
        ctx.out(JSON.stringify(view, null, 2));
        return;
      }
      const c = view.conflict;
      ctx.out(`conflict ${c.id} (as recorded in ${view.region})`);
      ctx.out(
        `  stream   ${c.stream}   policy ${view.policy}   status ${c.status}${view.current ? ' (current heads)' : ''}`,
      );
      ctx.out(`  owner    ${view.owner}   failover order ${view.failoverOrder.join(' → ')}`);
      ctx.out(`  detected ${c.detectedAt}${c.resolvedAt ? `   closed ${c.resolvedAt}` : ''}`);
      for (const branch of view.branches) {
        ctx.out(`  branch ${branch.head} (${branch.events.length} events since the fork)`);
        const shown = branch.events.slice(-SHOWN_PER_BRANCH);
        if (shown.length < branch.events.length) {
          ctx.out(`    … ${branch.events.length - shown.length} earlier (--json shows all)`);
        }
        for (const e of shown) {
          ctx.out(`    ${e.id}  ${e.origin}  ${e.type}  ${JSON.stringify(e.data)}`);
        }
      }
      if (view.contested.length > 0) {
        ctx.out('  contested fields:');
        for (const f of view.contested) {
          const writers =
            f.writers.length > 6
              ? `${f.writers.slice(0, 3).map(short).join(', ')} … ${f.writers.slice(-2).map(short).join(', ')} (${f.writers.length} writes)`
              : f.writers.map(short).join(', ');
          ctx.out(`    ${f.field}: written by ${writers}; fold keeps ${short(f.winner)}`);
        }
      }
      if (view.resolvedBy) {
        ctx.out(
          `  resolved by ${view.resolvedBy.id} (${view.resolvedBy.type}, ${JSON.stringify(view.resolvedBy.data)})`,
        );
      } else if (c.status === 'open' && view.policy === 'manual') {
        ctx.out(
          `  waits for an operator: concord conflicts resolve ${c.id} --choose <head> | --patch '<json>'`,
        );
      }
    });

  conflicts
    .command('resolve <id>')
    .description(
      'resolve a manual conflict: keep one branch (--choose <head>) or apply a merge patch (--patch <json>)',
    )
    .option('--choose <head>', 'the head whose branch state to keep')
    .option('--patch <json>', 'an RFC 7396 merge patch to apply to the merged state')
    .option('--region <region>', 'region whose reconciler (and writer) appends the merge')
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(
      async (
        id: string,
        opts: {
          choose?: string;
          patch?: string;
          region?: string;
          regions?: string;
          json?: boolean;
        },
      ) => {
        if ((opts.choose === undefined) === (opts.patch === undefined)) {
          throw new ConcordError(
            'VALIDATION_FAILED',
            'give exactly one of --choose <head> or --patch <json>',
          );
        }
        let body: { choose: string } | { patch: unknown };
        if (opts.choose !== undefined) body = { choose: opts.choose };
        else {
          let patch: unknown;
          try {
            patch = JSON.parse(opts.patch!);
          } catch (error) {
            throw new ConcordError(
              'VALIDATION_FAILED',
              `--patch is not JSON: ${(error as Error).message}`,
            );
          }
          if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
            throw new ConcordError('VALIDATION_FAILED', '--patch must be a JSON object');
          }
          body = { patch };
        }
        const config = deploymentConfig(ctx, opts.regions);
        const token = adminToken(config);
        const region = await pickRegion(config, token, opts.region);
        const result = await callService<{
          merge: { id: string };
          duplicate: boolean;
          stream: string;
        }>(
          `${config.byRegion[region]!.reconciler.url}/v1/conflicts/${encodeURIComponent(id)}/resolve`,
          { method: 'POST', token, body },
        );
        if (opts.json) ctx.out(JSON.stringify({ region, ...result }, null, 2));
        else
          ctx.out(
            `${result.duplicate ? 'already resolved this way' : 'resolved'}: merge ${result.merge.id} appended to ${result.stream} through ${region}; it replicates to every region`,
          );
      },
    );
}

export const conflictsCommand: CommandModule = { name: 'conflicts', register };
