import { Option, type Command } from 'commander';
import { ConcordError } from '@concord/core';
import { readStackEndpoints, StackController } from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderEndpoints, renderStatus } from '../output/stackReport.js';
import { renderModes, renderModeStatus } from '../output/stackModes.js';
import { deploymentConfig as stackConfig } from './serviceCalls.js';
import { registerStackFaults } from './stackFaults.js';

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

  registerStackFaults(stack, ctx);

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
