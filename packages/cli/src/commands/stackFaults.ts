import { Command } from 'commander';
import { ConcordError } from '@concord/core';
import { parseDuration, parseRate, StackController, type LinkStatus } from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import { renderLinks } from '../output/stackReport.js';
import { deploymentConfig as stackConfig } from './serviceCalls.js';

/*
 * The fault-injection subcommands of `concord stack` (docs/local-stack.md): WAN links
 * (partition, heal, latency, bandwidth) and the processes (broker, mm2, redis, postgres).
 */

const BROKER_ACTIONS = ['stop', 'start', 'kill', 'pause', 'resume'] as const;
const SERVER_ACTIONS = ['stop', 'start', 'restart'] as const;
const MM2_ACTIONS = ['stop', 'start', 'kill'] as const;

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

/** Adds the fault-injection subcommands to `concord stack`. */
export function registerStackFaults(stack: Command, ctx: CliContext): void {
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
    .command('mm2')
    .description(
      'the MirrorMaker 2 process replicating into a region (mm2 stacks): stop (SIGTERM, offsets committed), start, kill (SIGKILL: a crash)',
    )
    .addArgument(new Command().createArgument('<action>', MM2_ACTIONS.join('|')))
    .argument('<region>', 'the region it replicates into')
    .action(async (action: string, region: string) => {
      const mm = new StackController(stackConfig(ctx)).mirrorMaker(region);
      const act = oneOf(action, MM2_ACTIONS, 'action');
      if (act === 'start') {
        await mm.start();
        const s = mm.status();
        return ctx.out(
          `mm2 into ${region}: running (pid ${s.pid}), replicating from ${s.sources.join(', ')}`,
        );
      }
      const pid = await mm[act]();
      if (pid === undefined)
        throw new ConcordError('STACK_NOT_RUNNING', `MirrorMaker 2 into ${region} is not running`);
      ctx.out(`mm2 into ${region}: ${act === 'kill' ? 'killed' : 'stopped'} (pid ${pid})`);
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
}
