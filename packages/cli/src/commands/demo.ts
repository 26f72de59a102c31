import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConcordError } from '@concord/core';
import { demoRun } from '@concord/demo';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';

function seconds(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConcordError(
      'VALIDATION_FAILED',
      `${name} must be a positive number of seconds (got "${value}")`,
    );
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new ConcordError(
      'VALIDATION_FAILED',
      `--crash-at must be 0 (never) or a positive number of seconds (got "${value}")`,
    );
  return n;
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'the three-region demo: writes everywhere, cuts one region off, heals, proves convergence; writes demo-report.html',
    )
    .option('--duration <seconds>', 'length of the write phase', '90')
    .option(
      '--partition-at <seconds>',
      'when the isolated region is cut off (default: 20, or 22% of the duration)',
    )
    .option(
      '--partition-for <seconds>',
      'how long it stays cut off (default: 25, or 28% of the duration)',
    )
    .option('--isolate <region>', 'the region to cut off (default: the last region)')
    .option(
      '--crash-at <seconds>',
      'when a writer is SIGKILLed so its clients fail over (default: 66% of the duration; 0: never)',
    )
    .option('--crash <region>', 'whose writer is killed (default: the last region not isolated)')
    .option('--rate <writes>', 'writes per second in each region', '8')
    .option('--out <dir>', 'where demo-report.html and demo-report.json go', '.')
    .option('--keep', 'leave the services (and the stack) running afterwards')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const config = ctx.config();
      for (const flag of ['isolate', 'crash'] as const) {
        const region = opts[flag];
        if (region !== undefined && !config.regions.includes(String(region))) {
          throw new ConcordError(
            'UNKNOWN_REGION',
            `unknown region "${String(region)}" (--${flag}); configured regions: ${config.regions.join(', ')}`,
          );
        }
      }
      const t0 = Date.now();
      const result = await demoRun(config, {
        durationSec: seconds(String(opts.duration), '--duration'),
        ...(opts.partitionAt !== undefined
          ? { partitionAtSec: seconds(String(opts.partitionAt), '--partition-at') }
          : {}),
        ...(opts.partitionFor !== undefined
          ? { partitionForSec: seconds(String(opts.partitionFor), '--partition-for') }
          : {}),
        ...(opts.isolate !== undefined ? { isolate: String(opts.isolate) } : {}),
        ...(opts.crashAt !== undefined ? { crashAtSec: nonNegative(String(opts.crashAt)) } : {}),
        ...(opts.crash !== undefined ? { crash: String(opts.crash) } : {}),
        ratePerRegion: seconds(String(opts.rate), '--rate'),
        outDir: resolve(String(opts.out)),
        interactive: ctx.interactive,
        write: (line) => ctx.err(line),
        progress: progressPrinter(ctx, t0),
        keep: opts.keep === true,
      });
      ctx.out(`report: ${result.reportHtml} (data: ${result.reportJson})`);
      if (!result.ok) {
        throw new ConcordError(
          'CHECK_FAILED',
          `the demo did not converge or an invariant broke (see ${result.reportHtml})`,
        );
      }
      ctx.out(
        `converged in ${result.convergedAfterHealSec?.toFixed(1) ?? '?'} s after heal; ${result.verify.streams} streams identical in every region`,
      );
    });
}

export const demoCommand: CommandModule = { name: 'demo', register };
