import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  campaignRun,
  renderBenchReport,
  runConvergenceBench,
  runCoreBench,
  runMirrorBench,
  runSystemBench,
  summarizeProfiles,
  runWriterBench,
  summarizeChaosCampaign,
  systemRows,
  type ChaosCampaignRun,
} from '@concord/bench';
import { chaosRun, parseFaultKinds, FAULT_KINDS } from '@concord/chaos';
import type { ConcordConfig } from '@concord/config';
import { ConcordError, quantile } from '@concord/core';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderTable } from '../output/renderTable.js';
import { chaosConfig } from './chaos.js';

/** bench/results of the workspace, unless `--out` names another folder. */
function resultsDir(config: ConcordConfig, out?: string): string {
  return out ? resolve(out) : join(config.workspaceRoot, 'bench', 'results');
}

function record(
  ctx: CliContext,
  config: ConcordConfig,
  name: string,
  result: object,
  out?: string,
): void {
  const dir = resultsDir(config, out);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
  ctx.err(`wrote ${file}`);
}

function writeReport(ctx: CliContext, config: ConcordConfig, out?: string): void {
  const file = out
    ? join(resolve(out), 'REPORT.md')
    : join(config.workspaceRoot, 'bench', 'REPORT.md');
  writeFileSync(file, renderBenchReport(resultsDir(config, out)));
  ctx.out(`report: ${file}`);
}

const positive = (v: string, name: string) => {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0)
    throw new ConcordError('VALIDATION_FAILED', `${name} must be a positive number (got "${v}")`);
  return x;
};

type Bench = (
  ctx: CliContext,
  config: ConcordConfig,
  opts: Record<string, string | undefined>,
) => Promise<void>;

const BENCHES: Record<string, { description: string; run: Bench }> = {
  core: {
    description: 'fold fast/slow path, causal gate with 100k parked, sign/verify (no stack needed)',
    run: async (ctx, config, opts) => record(ctx, config, 'core', await runCoreBench(), opts.out),
  },
  writer: {
    description:
      'writer appends/s and latency vs a raw kafkajs idempotent producer (needs the stack)',
    run: async (ctx, config, opts) =>
      record(
        ctx,
        config,
        'writer',
        await runWriterBench(config, { log: (l) => ctx.err(l) }),
        opts.out,
      ),
  },
  mirror: {
    description:
      'mirror apply rate vs a raw batched insert; replication lag at 1,000 events/s (needs the stack)',
    run: async (ctx, config, opts) =>
      record(
        ctx,
        config,
        'mirror',
        await runMirrorBench({ progress: (l) => ctx.err(l) }),
        opts.out,
      ),
  },
  convergence: {
    description:
      'time to converge after a 60 s partition with 5,000 writes per side on ≥ 500 conflicting streams',
    run: async (ctx, config, opts) => {
      const runs = [];
      const count = Math.round(positive(opts.runs ?? '1', '--runs'));
      for (let i = 0; i < count; i++) {
        ctx.err(`convergence run ${i + 1}/${count}`);
        runs.push(
          await runConvergenceBench(config, {
            partitionSec: positive(opts.partition ?? '60', '--partition'),
            writesPerSide: Math.round(positive(opts.writes ?? '5000', '--writes')),
            streams: Math.round(positive(opts.streams ?? '600', '--streams')),
            progress: progressPrinter(ctx),
            log: (l) => ctx.err(l),
          }),
        );
      }
      const secs = runs
        .map((r) => r.convergenceSec ?? Number.POSITIVE_INFINITY)
        .sort((a, b) => a - b);
      record(
        ctx,
        config,
        'convergence',
        { ...runs[runs.length - 1], runs, p95Sec: quantile(secs, 0.95) },
        opts.out,
      );
    },
  },
  system: {
    description:
      'the whole deployment as `concord run` starts it: idle CPU, one client, open loop until lag p99 > 1 s, raw and naive baselines',
    run: async (ctx, config, opts) => {
      const smoke = opts.smoke !== undefined;
      const num = (v: string | undefined, name: string, d: number) =>
        v === undefined ? d : positive(v, name);
      const result = await runSystemBench(config, {
        idleSec: num(opts.idle, '--idle', smoke ? 5 : 30),
        stepSec: num(opts.step, '--step', smoke ? 5 : 20),
        fromRate: num(opts.from, '--from', smoke ? 20 : 25),
        maxRate: num(opts.max, '--max', smoke ? 40 : 3200),
        oneClientAppends: Math.round(num(opts.appends, '--appends', smoke ? 30 : 200)),
        settleMs: num(opts.settle, '--settle', 5000),
        baselines: String(opts.baselines) !== 'false', // --no-baselines
        ...(opts.profile
          ? {
              profileDir: resolve(
                String(opts.profile) === 'true'
                  ? join(config.workspaceRoot, 'bench', 'profiles')
                  : opts.profile,
              ),
            }
          : {}),
        log: (l) => ctx.err(l),
      });
      const profiles =
        result.profileDir && result.servicePids
          ? summarizeProfiles(result.profileDir, result.servicePids)
          : undefined;
      record(ctx, config, 'system', { ...result, ...(profiles ? { profiles } : {}) }, opts.out);
      ctx.out(
        renderTable(
          ['figure', 'measured', 'baseline (same run)', 'target', 'verdict'],
          systemRows(result),
        ),
      );
    },
  },
};

function register(program: Command, ctx: CliContext): void {
  const bench = program
    .command('bench')
    .description(
      'benchmarks with same-run baselines; results in bench/results/, summary in bench/REPORT.md',
    );
  for (const [name, b] of Object.entries(BENCHES)) {
    const cmd = bench
      .command(name)
      .description(b.description)
      .option('--out <dir>', 'results folder (default: bench/results; REPORT.md goes beside it)');
    if (name === 'convergence') {
      cmd
        .option('--partition <seconds>', 'how long the WAN is cut', '60')
        .option('--writes <n>', 'acknowledged writes per side', '5000')
        .option('--streams <n>', 'streams both sides write to', '600')
        .option('--runs <n>', 'repeat and report the p95', '1');
    }
    if (name === 'system') {
      cmd
        .option('--smoke', 'a short run (~1-2 min): 5 s idle and steps, rates 20 and 40 per region')
        .option('--idle <seconds>', 'each idle measurement (stack alone, whole deployment)')
        .option('--step <seconds>', 'each open-loop step')
        .option('--from <rate>', 'first step, appends/s per region (then doubling)')
        .option('--max <rate>', 'highest step tried, appends/s per region')
        .option('--appends <n>', 'sequential appends of the one client per region')
        .option('--settle <ms>', 'longest wait after a step for every write to replicate')
        .option('--no-baselines', 'skip the raw-producer and naive-pipeline baselines')
        .option('--profile [dir]', 'node --cpu-prof of every service (default bench/profiles)');
    }
    cmd.action(async (opts: Record<string, string | undefined>) => {
      const config = ctx.config();
      await b.run(ctx, config, opts);
      writeReport(ctx, config, opts.out);
    });
  }
  bench
    .command('all')
    .description('core, writer, mirror and convergence, then bench/REPORT.md')
    .action(async () => {
      const config = ctx.config();
      for (const [name, b] of Object.entries(BENCHES)) {
        ctx.err(`== bench ${name}`);
        await b.run(ctx, config, {});
      }
      writeReport(ctx, config);
    });
  bench
    .command('chaos')
    .description(
      'a chaos campaign: several `concord chaos` runs with consecutive seeds; bench/results/chaos.json',
    )
    .option('--runs <n>', 'how many runs (seeds seed, seed+1, …)', '10')
    .option('--duration <seconds>', 'workload duration of each run', '300')
    .option('--rate <ops>', 'operations per second, all regions together', '100')
    .option('--faults <list>', 'fault kinds, comma-separated', FAULT_KINDS.join(','))
    .option('--seed <n>', 'first seed', '101')
    .option('--out <dir>', 'results folder (default: bench/results; REPORT.md goes beside it)')
    .option(
      '--client',
      'write through @concord/client (failover, session reads): availability, into chaos-client.json',
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const base = ctx.config();
      const config = chaosConfig(ctx);
      const client = opts.client === true;
      const runs = Math.round(positive(String(opts.runs ?? '10'), '--runs'));
      const durationSec = Math.round(positive(String(opts.duration ?? '300'), '--duration'));
      const rate = Math.round(positive(String(opts.rate ?? '100'), '--rate'));
      const first = Math.round(positive(String(opts.seed ?? '101'), '--seed'));
      const out = opts.out === undefined ? undefined : String(opts.out);
      const faults = parseFaultKinds(String(opts.faults));
      // Beside the chaos stack's folder, which the last run purges with its stack.
      const reports = join(base.stateDir, 'chaos-campaign');
      const done: ChaosCampaignRun[] = [];
      const save = () =>
        record(
          ctx,
          base,
          client ? 'chaos-client' : 'chaos',
          summarizeChaosCampaign({ durationSec, rate, faultKinds: faults }, done),
          out,
        );
      for (let i = 0; i < runs; i++) {
        const seed = first + i;
        const t0 = Date.now();
        ctx.err(`== chaos run ${i + 1}/${runs}: seed ${seed}, ${durationSec} s at ${rate} ops/s`);
        const result = await chaosRun(config, {
          durationSec,
          rate,
          faults,
          seed,
          quietSec: 15,
          drainSec: 200,
          outDir: join(reports, `seed-${seed}`),
          keep: i < runs - 1, // the next run reuses the chaos stack
          client,
          log: (line) =>
            ctx.err(`${`+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7)} ${line}`),
        });
        const run = campaignRun(seed, result);
        done.push(run);
        ctx.err(
          `seed ${seed}: ${run.ok ? 'ok' : 'ANOMALIES'}; ${run.acked} acked, drain ${run.drainSec.toFixed(1)} s, faults ${run.faults.join(',')}`,
        );
        save(); // a campaign cut short still records the runs it finished
      }
      writeReport(ctx, base, out);
      const failed = done.filter((r) => !r.ok).map((r) => r.seed);
      if (failed.length > 0)
        throw new ConcordError(
          'CHECK_FAILED',
          `chaos runs with seeds ${failed.join(', ')} found anomalies (reports under ${reports})`,
        );
    });
  bench
    .command('report')
    .description('regenerate bench/REPORT.md from bench/results/*.json')
    .action(() => writeReport(ctx, ctx.config()));
}

export const benchCommand: CommandModule = { name: 'bench', register };
