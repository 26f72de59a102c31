import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { adminToken, callService, deploymentConfig, regionArg } from './serviceCalls.js';

interface FenceAnswer {
  region: string;
  fenced: boolean;
  reason?: string | null;
  updatedAt?: string;
}

/**
 * `concord fence <region>` / `concord unfence <region>`: the split-brain quarantine of
 * docs/reconciler.md §5. The region's writer refuses every write (503 REGION_FENCED) until unfenced; its mirror
 * keeps applying, so it keeps converging with the others.
 */
function register(program: Command, ctx: CliContext): void {
  program
    .command('fence <region>')
    .description(
      'quarantine a region: its writer refuses writes (503 REGION_FENCED); its mirror keeps applying',
    )
    .option('--reason <text>', 'why (stored with the fence, shown by status)')
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { reason?: string; regions?: string; json?: boolean }) => {
      const config = deploymentConfig(ctx, opts.regions);
      const region = regionArg(config, name);
      const answer = await callService<FenceAnswer>(
        `${config.byRegion[region]!.writer.url}/v1/admin/fence`,
        {
          method: 'POST',
          token: adminToken(config),
          body: opts.reason === undefined ? {} : { reason: opts.reason },
        },
      );
      ctx.out(
        opts.json
          ? JSON.stringify(answer, null, 2)
          : `${region} fenced${answer.reason ? ` (${answer.reason})` : ''}: its writer refuses writes; \`concord unfence ${region}\` lifts it`,
      );
    });

  program
    .command('unfence <region>')
    .description('lift the fence: the region’s writer accepts writes again')
    .option('--regions <list>', 'regions of the deployment (default: the running stack’s)')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { regions?: string; json?: boolean }) => {
      const config = deploymentConfig(ctx, opts.regions);
      const region = regionArg(config, name);
      const answer = await callService<FenceAnswer>(
        `${config.byRegion[region]!.writer.url}/v1/admin/fence`,
        { method: 'DELETE', token: adminToken(config) },
      );
      ctx.out(
        opts.json
          ? JSON.stringify(answer, null, 2)
          : `${region} unfenced: its writer accepts writes`,
      );
    });
}

export const fenceCommand: CommandModule = { name: 'fence', register };
