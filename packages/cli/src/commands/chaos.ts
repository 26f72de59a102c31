import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  availabilityRows,
  chaosRun,
  FAULT_KINDS,
  parseFaultKinds,
  verdictRows,
} from '@concord/chaos';
import type { ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderTable } from '../output/renderTable.js';

/**
 * Chaos runs get their own stack (state folder `<state>/chaos`, port base + 2000) with private
 * Postgres and Redis, so the nemesis can restart them without touching anything else, and the
 * run never disturbs a stack you are using.
 */
export function chaosConfig(ctx: CliContext, regions?: string): ConcordConfig {
  const base = ctx.config(regions ? { CONCORD_REGIONS: regions } : {});
  return ctx.config({
    ...(regions ? { CONCORD_REGIONS: regions } : {}),
    CONCORD_STATE_DIR: join(base.stateDir, 'chaos'),
    CONCORD_PORT_BASE: String(base.portBase + 2000),
    CONCORD_PG_MODE: 'private',
    CONCORD_REDIS_MODE: 'private',
  });
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConcordError(
      'VALIDATION_FAILED',
      `${name} must be a positive integer (got "${value}")`,
    );
  return n;
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('chaos')
    .description(
      'Jepsen-style test: checkable workload + scheduled faults, then a drain and an independent check',
    )
    .option('--duration <seconds>', 'workload duration', '90')
    .option('--rate <ops>', 'operations per second, all regions together', '100')
    .option(
      '--faults <list>',
      `fault kinds, comma-separated (${FAULT_KINDS.join(',')})`,
      FAULT_KINDS.join(','),
    )
    .option('--seed <n>', 'schedule and workload seed (default: random, printed)')
    .option('--quiet <seconds>', 'fault-free seconds before the drain', '15')
    .option('--drain <seconds>', 'longest drain', '200')
    .option('--regions <list>', 'regions (default: CONCORD_REGIONS)')
    .option('--out <dir>', 'where chaos-report.html and .json go', '.')
    .option('--keep', 'leave the chaos stack running afterwards')
    .option(
      '--client',
      'write through @concord/client (failover, retries, session reads) and report availability',
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const seed =
        opts.seed === undefined
          ? randomInt(1, 2 ** 31 - 1)
          : positiveInt(String(opts.seed), '--seed');
      const config = chaosConfig(ctx, opts.regions as string | undefined);
      const faults = parseFaultKinds(String(opts.faults));
      ctx.err(
        `chaos: seed ${seed}, ${opts.duration} s at ${opts.rate} ops/s, faults ${faults.join(',')} (stack in ${config.stateDir})`,
      );
      const t0 = Date.now();
      const result = await chaosRun(config, {
        durationSec: positiveInt(String(opts.duration), '--duration'),
        rate: positiveInt(String(opts.rate), '--rate'),
        faults,
        seed,
        quietSec: Number(opts.quiet),
        drainSec: positiveInt(String(opts.drain), '--drain'),
        outDir: resolve(String(opts.out)),
        keep: opts.keep === true,
        client: opts.client === true,
        progress: progressPrinter(ctx, t0),
        log: (line) =>
          ctx.err(`${`+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7)} ${line}`),
      });
      ctx.out(renderTable(['check', 'count', 'result', 'meaning'], verdictRows(result.check)));
      ctx.out(
        `drain: ${result.drain.converged ? 'converged' : 'NOT converged'} after ${(result.drain.elapsedMs / 1000).toFixed(1)} s`,
      );
      if (result.availability) {
        ctx.out(renderTable(['availability', 'value'], availabilityRows(result.availability)));
      }
      ctx.out(`report: ${result.reportHtml} (and ${result.reportJson}); seed ${seed}`);
      if (!result.ok) {
        throw new ConcordError(
          'CHECK_FAILED',
          `chaos run with seed ${seed} found anomalies (see ${result.reportHtml})`,
        );
      }
    });
}

export const chaosCommand: CommandModule = { name: 'chaos', register };
