import { Command, Option } from 'commander';
import type { ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import {
  parseDuration,
  parseRate,
  readStackEndpoints,
  StackController,
  type LinkStatus,
} from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderEndpoints, renderLinks, renderStatus } from '../output/stackReport.js';

/**
 * The config of the stack a control command acts on. Without an explicit `--regions`, the
 * regions recorded in stack.json win: they fixed the ports of what is running.
 */
function stackConfig(ctx: CliContext, regions?: string): ConcordConfig {
  if (regions !== undefined) return ctx.config({ CONCORD_REGIONS: regions });
  const config = ctx.config();
  const running = readStackEndpoints(config)?.regions;
  if (running && running.join(',') !== config.regions.join(',')) {
    return ctx.config({ CONCORD_REGIONS: running.join(',') });
  }
  return config;
}

const BROKER_ACTIONS = ['stop', 'start', 'kill', 'pause', 'resume'] as const;
const SERVER_ACTIONS = ['stop', 'start', 'restart'] as const;

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `${what} must be one of ${allowed.join(', ')} (got "${value}")`,
    );
  }
  return value as T;
}

function printLinks(
  ctx: CliContext,
  links: readonly LinkStatus[],
  json: boolean | undefined,
): void {
  ctx.out(json ? JSON.stringify(links, null, 2) : renderLinks(links));
}

function register(program: Command, ctx: CliContext): void {
  const stack = program
    .command('stack')
    .description(
      'the local multi-region stack: Kafka brokers, WAN links, Postgres, Redis (docs/local-stack.md)',
    );

  stack
    .command('up')
    .description('start every missing part of the stack (idempotent) and wait until all are ready')
    .option('--regions <list>', 'regions to run, comma-separated (sets CONCORD_REGIONS)')
    .option('--json', 'print the effective endpoints (stack.json) as JSON')
    .action(async (opts: { regions?: string; json?: boolean }) => {
      const config =
        opts.regions === undefined ? ctx.config() : ctx.config({ CONCORD_REGIONS: opts.regions });
      const result = await new StackController(config).up({ progress: progressPrinter(ctx) });
      if (opts.json) return ctx.out(JSON.stringify(result.endpoints, null, 2));
      const started = result.started.length
        ? `started ${result.started.join(', ')}`
        : 'nothing to start';
      ctx.out(renderEndpoints(result.endpoints));
      ctx.out(
        `\nstack up in ${(result.elapsedMs / 1000).toFixed(1)} s — ${started}${result.alreadyRunning.length ? `; already running: ${result.alreadyRunning.join(', ')}` : ''}`,
      );
    });

  stack
    .command('down')
    .description('stop what the stack started (by PID: SIGTERM, then SIGKILL after a grace period)')
    .option(
      '--purge',
      'also delete the data (state folder except keys, region databases, Redis keys)',
    )
    .action(async (opts: { purge?: boolean }) => {
      const result = await new StackController(stackConfig(ctx)).down({
        purge: opts.purge === true,
        progress: progressPrinter(ctx),
      });
      ctx.out(
        result.stopped.length ? `stopped ${result.stopped.join(', ')}` : 'nothing was running',
      );
      if (result.purged) ctx.out('data purged');
    });

  stack
    .command('status')
    .description('what runs, PIDs, ports, link states')
    .option('--json', 'machine-readable output (a stable shape)')
    .action(async (opts: { json?: boolean }) => {
      const status = await new StackController(stackConfig(ctx)).status();
      ctx.out(opts.json ? JSON.stringify(status, null, 2) : renderStatus(status));
    });

  stack
    .command('partition')
    .description('cut the WAN link between two regions (both directions unless --oneway)')
    .argument('<a>', 'region')
    .argument('<b>', 'region')
    .option(
      '--oneway',
      "cut only the link carrying a's data to b (b's clients reaching a's broker)",
    )
    .option('--json', 'print the changed links as JSON')
    .action(async (a: string, b: string, opts: { oneway?: boolean; json?: boolean }) => {
      const links = await new StackController(stackConfig(ctx)).links.partition(a, b, {
        oneway: opts.oneway === true,
      });
      printLinks(ctx, links, opts.json);
    });

  stack
    .command('heal')
    .description('restore links to healthy (no cut, latency or rate limit): the pair, or all links')
    .argument('[a]', 'region')
    .argument('[b]', 'region')
    .option('--oneway', "only the link carrying a's data to b")
    .option('--json', 'print the changed links as JSON')
    .action(
      async (
        a: string | undefined,
        b: string | undefined,
        opts: { oneway?: boolean; json?: boolean },
      ) => {
        const links = await new StackController(stackConfig(ctx)).links.heal(a, b, {
          oneway: opts.oneway === true,
        });
        printLinks(ctx, links, opts.json);
      },
    );

  stack
    .command('latency')
    .description('add a one-way delay to each direction of the links between a and b (0ms clears)')
    .argument('<a>', 'region')
    .argument('<b>', 'region')
    .argument('<delay>', 'e.g. 80ms, 1.5s, 0ms')
    .option('--jitter <delay>', 'random ± variation per chunk, never reordering bytes', '0ms')
    .option('--oneway', "only the link carrying a's data to b")
    .option('--json', 'print the changed links as JSON')
    .action(
      async (
        a: string,
        b: string,
        delay: string,
        opts: { jitter: string; oneway?: boolean; json?: boolean },
      ) => {
        const links = await new StackController(stackConfig(ctx)).links.latency(
          a,
          b,
          parseDuration(delay, 'delay'),
          {
            jitterMs: parseDuration(opts.jitter, '--jitter'),
            oneway: opts.oneway === true,
          },
        );
        printLinks(ctx, links, opts.json);
      },
    );

  stack
    .command('bandwidth')
    .description('limit each direction of the links between a and b (token bucket; 0/off clears)')
    .argument('<a>', 'region')
    .argument('<b>', 'region')
    .argument('<rate>', 'e.g. 1mbit, 512kbit, off')
    .option('--oneway', "only the link carrying a's data to b")
    .option('--json', 'print the changed links as JSON')
    .action(
      async (a: string, b: string, rate: string, opts: { oneway?: boolean; json?: boolean }) => {
        const links = await new StackController(stackConfig(ctx)).links.bandwidth(
          a,
          b,
          parseRate(rate),
          { oneway: opts.oneway === true },
        );
        printLinks(ctx, links, opts.json);
      },
    );

  stack
    .command('broker')
    .description(
      "fault injection on a region's broker: stop (SIGTERM), start, kill (SIGKILL), pause (SIGSTOP), resume (SIGCONT)",
    )
    .addArgument(new Command().createArgument('<action>', BROKER_ACTIONS.join('|')))
    .argument('<region>', 'region')
    .action(async (action: string, region: string) => {
      const broker = new StackController(stackConfig(ctx)).broker(region);
      const act = oneOf(action, BROKER_ACTIONS, 'action');
      if (act === 'start') {
        await broker.start();
        return ctx.out(`kafka ${region}: running (pid ${broker.status().pid})`);
      }
      const pid = await broker[act]();
      if (pid === undefined)
        throw new ConcordError('STACK_NOT_RUNNING', `kafka ${region} is not running`);
      ctx.out(
        `kafka ${region}: ${act === 'pause' ? 'paused' : act === 'resume' ? 'resumed' : act === 'kill' ? 'killed' : 'stopped'} (pid ${pid})`,
      );
    });

  stack
    .command('redis')
    .description("stop/start/restart a region's private redis-server (private Redis mode only)")
    .argument('<action>', SERVER_ACTIONS.join('|'))
    .argument('<region>', 'region')
    .action(async (action: string, region: string) => {
      const act = oneOf(action, SERVER_ACTIONS, 'action');
      const pid = await new StackController(stackConfig(ctx)).redis(region)[act]();
      ctx.out(
        `redis ${region}: ${act === 'stop' ? `stopped${pid ? ` (pid ${pid})` : ' (was not running)'}` : 'running'}`,
      );
    });

  stack
    .command('postgres')
    .description(
      'stop/start/restart the private Postgres cluster (private Postgres mode only; all regions)',
    )
    .argument('<action>', SERVER_ACTIONS.join('|'))
    .action(async (action: string) => {
      const act = oneOf(action, SERVER_ACTIONS, 'action');
      const pid = await new StackController(stackConfig(ctx)).postgres()[act]();
      ctx.out(
        `postgres: ${act === 'stop' ? `stopped${pid ? ` (pid ${pid})` : ' (was not running)'}` : 'running'}`,
      );
    });

  stack
    .command('endpoints')
    .description('print the effective endpoints of the running stack (stack.json)')
    .addOption(new Option('--json', 'JSON (the default)').hideHelp())
    .action(() => {
      const endpoints = readStackEndpoints(stackConfig(ctx));
      if (!endpoints)
        throw new ConcordError('STACK_NOT_RUNNING', 'no stack.json — run `concord stack up`');
      ctx.out(JSON.stringify(endpoints, null, 2));
    });
}

/** `concord stack …`. */
export const stackCommand: CommandModule = { name: 'stack', register };
