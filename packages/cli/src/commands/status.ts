import type { Command } from 'commander';
import { readServicesStatus } from '@concord/runner';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { renderRegionStatus } from '../output/regionStatusTable.js';
import { renderTable } from '../output/renderTable.js';
import { regionStatus } from './regionStatus.js';
import { renderServices } from './run.js';
import { adminToken, deploymentConfig, warnWithoutToken } from './serviceCalls.js';

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
