import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { WriterClient } from '@concord/chaos';
import type { ConcordConfig, RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import {
  effectiveConfig,
  ensureLocalTokens,
  measureIdle,
  runServices,
  startCpuWindow,
  type CpuWindow,
  type Supervisor,
} from '@concord/runner';
import { StackController, stackStatus, stackUp } from '@concord/stack';
import { connectProducers, createBaselineTopics, NaivePipeline, rawOpenLoop } from './baselines.js';
import {
  evaluateStep,
  cpuMsPerWrite,
  stepRates,
  sustainedMax,
  type StepVerdict,
} from './stepEval.js';
import {
  LagReader,
  oneClient,
  openLoopStep,
  type Latency,
  type PairLag,
} from './systemWorkload.js';

export interface SystemBenchOptions {
  /** Seconds of each idle measurement (stack alone, then the whole deployment). Default 30. */
  readonly idleSec?: number;
  /** Sequential appends of the one client in each region. Default 200. */
  readonly oneClientAppends?: number;
  /** Seconds of each open-loop step. Default 20. */
  readonly stepSec?: number;
  /**
   * First step's rate per region and the highest step tried (doubling). Defaults 25 (so the
   * lag at half a low sustained maximum is measured too) and 3 200.
   */
  readonly fromRate?: number;
  readonly maxRate?: number;
  /** Longest wait after a step for every write to be applied everywhere, ms. Default 5 000. */
  readonly settleMs?: number;
  readonly dataBytes?: number;
  /** Run the raw-producer and naive-pipeline baselines. Default true. */
  readonly baselines?: boolean;
  /** Write a `node --cpu-prof` profile of every service into this folder. */
  readonly profileDir?: string;
  readonly log?: (line: string) => void;
}

export interface Step {
  readonly ratePerRegion: number;
  readonly ackedPerSecond: number;
  readonly sent: number;
  readonly errors: number;
  readonly errorCodes?: Record<string, number>;
  readonly append: Latency;
  readonly lag: readonly PairLag[];
  readonly worstLagP99Ms: number;
  readonly cpu: CpuWindow;
  readonly cpuMsPerWrite: number | undefined;
  readonly verdict: StepVerdict;
}

export interface Baseline {
  readonly steps: readonly Step[];
  readonly sustained: Step | undefined;
}

const MAX_LAG_P99_MS = 1000;
const TYPE = 'BenchWritten';

/**
 * `concord bench system`: the whole deployment as `concord run` starts it — idle CPU per
 * process kind (stack alone, then with every service), one client per region, an open loop
 * at doubling rates in every region at once until a step fails, and same-run baselines on the
 * same brokers and databases (docs/performance.md).
 */
export async function runSystemBench(requested: ConcordConfig, options: SystemBenchOptions = {}) {
  const log = options.log ?? (() => undefined);
  const idleSec = options.idleSec ?? 30;
  const stepSec = options.stepSec ?? 20;
  const settleMs = options.settleMs ?? 5000;
  const rates = stepRates(options.fromRate ?? 25, options.maxRate ?? 3200);
  const dataBytes = options.dataBytes ?? 1024;
  const pad = 'x'.repeat(Math.max(0, dataBytes - 24));
  const body = { type: TYPE, data: { pad } };
  const value = Buffer.alloc(dataBytes, 'x');
  const run = `b${Date.now().toString(36)}`;
  const limits = {
    maxLagP99Ms: MAX_LAG_P99_MS,
    maxAppendP99Ms: MAX_LAG_P99_MS,
    minAckedShare: 0.9,
    regions: requested.regions.length,
  };

  const stackWasUp = (await stackStatus(requested)).running;
  await stackUp(requested);
  let config = effectiveConfig(requested);
  log(`idle, stack alone: ${idleSec} s`);
  const idleStack = await measureIdle(config, () => [], idleSec);
  log(`idle, stack alone: ${idleStack.totalCores} cores ${JSON.stringify(idleStack.cores)}`);

  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const supervisor: Supervisor = await runServices(requested, {
    ...(options.profileDir
      ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] }
      : {}),
  });
  const services = () => supervisor.status();
  config = effectiveConfig(requested);
  const lagReader = new LagReader(config);
  try {
    await sleep(5000); // start-up work (consumer group joins, first fetches) out of the window
    log(`idle, whole deployment: ${idleSec} s`);
    const idle = await measureIdle(config, services, idleSec);
    log(`idle, whole deployment: ${idle.totalCores} cores ${JSON.stringify(idle.cores)}`);

    const tokens = ensureLocalTokens(config);
    const clients = config.regions.map(
      (r) => new WriterClient(r, config.byRegion[r]!.writer.url, tokens.apiToken),
    );
    const one = await oneClient(clients, `sys-${run}`, options.oneClientAppends ?? 200, body);
    log(`one client: ${JSON.stringify(one)}`);
    const allOne = Object.values(one);

    const measureStep = async (
      rate: number,
      drive: () => Promise<{
        acked: Record<RegionId, number>;
        sent: number;
        errors: number;
        errorCodes?: Record<string, number>;
        append: Latency;
      }>,
      lagOf: (acked: Record<RegionId, number>) => Promise<readonly PairLag[]>,
      extra: Record<string, readonly number[]> = {},
      idleCores = idle.totalCores,
    ): Promise<Step> => {
      const window = await startCpuWindow(config, services, extra);
      const load = await drive();
      const cpu = await window.stop();
      const lag = await lagOf(load.acked);
      const acked = Object.values(load.acked).reduce((a, b) => a + b, 0);
      const worstLagP99Ms = Math.max(0, ...lag.map((l) => l.p99Ms));
      const figures = {
        ratePerRegion: rate,
        ackedPerSecond: Math.round(acked / stepSec),
        sent: load.sent,
        errors: load.errors,
        unreplicated: lag.reduce((a, l) => a + l.missing, 0),
        worstLagP99Ms,
        appendP99Ms: load.append.p99Ms,
      };
      const step: Step = {
        ...figures,
        ...(load.errorCodes ? { errorCodes: load.errorCodes } : {}),
        append: load.append,
        lag,
        cpu,
        cpuMsPerWrite: round(cpuMsPerWrite(cpu.totalCpuMs, idleCores, cpu.seconds, acked)),
        verdict: evaluateStep(figures, limits),
      };
      log(
        `  ${rate}/s per region: acked ${figures.ackedPerSecond}/s, append p99 ${load.append.p99Ms} ms, lag p99 ${worstLagP99Ms} ms, ${step.cpuMsPerWrite} CPU-ms/write → ${step.verdict.held ? 'held' : `failed (${step.verdict.reason})`}`,
      );
      return step;
    };

    const stepsUntilFailure = async (
      label: string,
      one: (rate: number, i: number) => Promise<Step>,
    ) => {
      const steps: Step[] = [];
      for (const [i, rate] of rates.entries()) {
        log(`${label}: step ${i + 1}, ${rate}/s per region for ${stepSec} s`);
        const s = await one(rate, i);
        steps.push(s);
        if (!s.verdict.held) break;
      }
      return { steps, sustained: sustainedMax(steps) };
    };

    const concord = await stepsUntilFailure('concord', (rate, i) => {
      const prefix = `sys-${run}-s${i}`;
      return measureStep(
        rate,
        async () => {
          const l = await openLoopStep(clients, prefix, rate, stepSec, body);
          const sum = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
          return {
            acked: l.acked,
            sent: sum(l.sent),
            errors: sum(l.errors),
            errorCodes: l.errorCodes,
            append: l.append,
          };
        },
        (acked) => lagReader.read(prefix, TYPE, acked, settleMs),
      );
    });

    let raw: Baseline | undefined;
    let naive: Baseline | undefined;
    if (options.baselines !== false) {
      const producers = await connectProducers(config);
      // One open-loop step of a baseline: the raw producer writing to its `kind` topics.
      const drive = async (kind: 'raw' | 'naive', prefix: string, rate: number) => {
        const l = await rawOpenLoop(config, producers, kind, run, prefix, rate, stepSec, value);
        const acked = Object.values(l.acked).reduce((a, b) => a + b, 0);
        return { ...l, sent: acked + l.errors };
      };
      try {
        await createBaselineTopics(config, 'raw', run);
        raw = await stepsUntilFailure('raw producer', (rate, i) =>
          measureStep(
            rate,
            () => drive('raw', `raw-${i}`, rate),
            async () => [],
          ),
        );
        const pipeline = new NaivePipeline(config, run);
        try {
          await pipeline.start();
          naive = await stepsUntilFailure('naive pipeline', (rate, i) =>
            measureStep(
              rate,
              () => drive('naive', `nv${i}`, rate),
              (acked) => pipeline.lag(`nv${i}`, acked, settleMs),
              { naive: pipeline.pids() },
            ),
          );
        } finally {
          await pipeline.stop();
        }
      } finally {
        await Promise.allSettled([...producers.values()].map((p) => p.disconnect()));
      }
    }

    const sustained = concord.sustained;
    return {
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?' },
      setup: {
        regions: config.regions,
        idleSec,
        stepSec,
        rates,
        dataBytes,
        settleMs,
        maxLagP99Ms: MAX_LAG_P99_MS,
        sharedShare: 0.3,
      },
      idle: { stackAlone: idleStack, deployment: idle, servicesCores: round(servicesCores(idle)) },
      oneClient: {
        byRegion: one,
        worst: {
          p50Ms: Math.max(...allOne.map((o) => o.p50Ms)),
          p99Ms: Math.max(...allOne.map((o) => o.p99Ms)),
          maxMs: Math.max(...allOne.map((o) => o.maxMs)),
        },
      },
      openLoop: concord,
      baselines: { rawProducer: raw, naivePipeline: naive },
      ratios: {
        sustainedVsRaw: ratio(sustained?.ackedPerSecond, raw?.sustained?.ackedPerSecond),
        cpuPerWriteVsNaive: ratio(sustained?.cpuMsPerWrite, naive?.sustained?.cpuMsPerWrite),
        // At the same rate: the fixed costs weigh the same on both.
        cpuPerWriteVsNaiveSameRate: ratio(
          sustained?.cpuMsPerWrite,
          naive?.steps.find((s) => s.ratePerRegion === sustained?.ratePerRegion)?.cpuMsPerWrite,
        ),
      },
      ...(options.profileDir
        ? {
            profileDir: options.profileDir,
            servicePids: Object.fromEntries(
              services().map((x) => [`${x.kind}-${x.region}`, x.pid]),
            ),
          }
        : {}),
    };
  } finally {
    await lagReader.close();
    await supervisor.stop();
    if (!stackWasUp) await new StackController(requested).down();
  }
}

export type SystemBenchResult = Awaited<ReturnType<typeof runSystemBench>>;

function servicesCores(w: CpuWindow): number {
  return (w.cores.writer ?? 0) + (w.cores.mirror ?? 0) + (w.cores.reconciler ?? 0);
}
const round = (x: number | undefined) =>
  x === undefined ? undefined : Math.round(x * 1000) / 1000;
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100;
