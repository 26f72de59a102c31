import type { Command } from 'commander';
import { ConcordError } from '@concord/core';
import {
  composeClientEnv,
  composeDown,
  composeHeal,
  composePartition,
  composeUp,
  runCompose,
} from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';

/** docker-compose.yml's regions: the compose commands act on them whatever CONCORD_REGIONS says. */
const COMPOSE_REGIONS = 'us,eu,ap';

function register(program: Command, ctx: CliContext): void {
  const config = () => ctx.config({ CONCORD_REGIONS: COMPOSE_REGIONS });
  const compose = program
    .command('compose')
    .description(
      'the docker-compose deployment: three regions, Postgres, Redis, nine services, Prometheus (docs/containers.md)',
    );

  compose
    .command('up')
    .description(
      'start the compose topology with the local images and wait until every service is ready',
    )
    .option(
      '--registry',
      "use docker-compose.yml's official images instead of `concord images build`'s",
    )
    .action(async (opts: { registry?: boolean }) => {
      const t0 = Date.now();
      await composeUp(config(), {
        progress: progressPrinter(ctx),
        registry: opts.registry === true,
      });
      const c = config();
      ctx.out(
        `compose up in ${((Date.now() - t0) / 1000).toFixed(1)} s — writers ${c.regions.map((r) => c.byRegion[r]!.writer.url).join(', ')}; \`concord compose env\` prints the CLI's environment for it`,
      );
    });

  compose
    .command('down')
    .description("remove the compose project's containers, networks and volumes")
    .action(async () => {
      const leftovers = await composeDown(config(), { progress: progressPrinter(ctx) });
      ctx.out(
        leftovers.length
          ? `compose down; removed ${leftovers.length} leftover container(s) by id`
          : 'compose down',
      );
    });

  compose
    .command('status')
    .description('docker-compose ps of the project')
    .action(async () => {
      ctx.out(await runCompose(config(), ['ps']));
    });

  compose
    .command('env')
    .description(
      'print the environment (export lines) under which `concord verify` and friends reach the compose deployment',
    )
    .action(() => {
      ctx.out(
        Object.entries(composeClientEnv(config()))
          .map(([k, v]) => `export ${k}='${v}'`)
          .join('\n'),
      );
    });

  compose
    .command('partition <region>')
    .description(
      'cut a region off: its broker, mirror and reconciler leave the compose `wan` network',
    )
    .action((region: string) => {
      if (!config().regions.includes(region)) {
        throw new ConcordError(
          'UNKNOWN_REGION',
          `unknown region "${region}"; the compose regions are ${COMPOSE_REGIONS}`,
        );
      }
      const cut = composePartition(config(), region);
      ctx.out(
        cut.length ? `disconnected ${cut.join(', ')} from wan` : `${region} was already cut off`,
      );
    });

  compose
    .command('heal')
    .description('reconnect every region to the compose `wan` network')
    .action(() => {
      const healed = composeHeal(config());
      ctx.out(healed.length ? `reconnected ${healed.join(', ')} to wan` : 'nothing was cut');
    });
}

export const composeCommand: CommandModule = { name: 'compose', register };
