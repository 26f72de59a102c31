import { Command, Option } from 'commander';
import type { ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import {
  parseDuration,
  parseRate,
  readStackEndpoints,
  StackController,
  type LinkStatus,
  type StackEndpoints,
  type StackStatus,
} from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderTable } from '../output/renderTable.js';
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

/** The replication and security lines of `stack up` (stack.json). */
function renderModes(e: StackEndpoints): string {
  const mm2 = e.replication?.mirrorMakers ?? [];
  const lines = [
    e.replication?.mode === 'mm2'
      ? `replication: mm2 — MirrorMaker 2 ${mm2.map((m) => `${m.target} ← ${m.sources.join(',')}`).join('; ')} (mirrors read the local copies <origin>.<ns>.events.<origin>)`
      : 'replication: direct (mirrors read other regions through the link proxies)',
  ];
  lines.push(
    e.security
      ? `cross-region listeners: SASL_SSL (${e.security.mechanism}, CA ${e.security.caFile}, users ${Object.values(
          e.security.users,
        )
          .map((u) => u.username)
          .join(', ')}; read-only ACLs)`
      : 'cross-region listeners: PLAINTEXT',
  );
  return lines.join('\n');
}

/** `stack status`: the MirrorMaker 2 processes and the modes, after the common table. */
function renderModeStatus(s: StackStatus): string {
  const parts = [
    `replication ${s.replication}; cross-region listeners ${s.security === 'sasl_ssl' ? 'SASL_SSL' : 'PLAINTEXT'}`,
  ];
  if (s.mirrorMakers.length > 0) {
    parts.push(
      '',
      renderTable(
        ['mm2 into', 'from', 'state', 'pid', 'log'],
        s.mirrorMakers.map((m) => [
          m.target,
          m.sources.join(','),
          m.state,
          m.pid ? String(m.pid) : '-',
          m.log,
        ]),
      ),
    );
  }
  return parts.join('\n');
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
    .option(
      '--mm2',
      'run MirrorMaker 2 into every region; services read the local copies (CONCORD_REPLICATION_MODE=mm2)',
    )
    .option('--no-mm2', 'direct mode: stop MirrorMaker 2 (services read across the links)')
    .option(
      '--secure',
      'SASL_SSL (TLS + SCRAM-SHA-512, read-only ACLs) on every cross-region listener; certificates and users generated',
    )
    .option('--no-secure', 'plaintext cross-region listeners')
    .option('--json', 'print the effective endpoints (stack.json) as JSON')
    .action(async (opts: { regions?: string; json?: boolean; mm2?: boolean; secure?: boolean }) => {
      const config =
        opts.regions === undefined ? ctx.config() : ctx.config({ CONCORD_REGIONS: opts.regions });
      // Without a flag the stack keeps the modes it runs in (stack.json).
      const result = await new StackController(config).up({
        progress: progressPrinter(ctx),
        ...(opts.mm2 === undefined ? {} : { replication: opts.mm2 ? 'mm2' : 'direct' }),
        ...(opts.secure === undefined ? {} : { secure: opts.secure }),
      });
      if (opts.json) return ctx.out(JSON.stringify(result.endpoints, null, 2));
      const started = result.started.length
        ? `started ${result.started.join(', ')}`
        : 'nothing to start';
      ctx.out(renderEndpoints(result.endpoints));
      ctx.out(renderModes(result.endpoints));
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
      ctx.out(
        opts.json
          ? JSON.stringify(status, null, 2)
          : `${renderStatus(status)}\n\n${renderModeStatus(status)}`,
      );
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
