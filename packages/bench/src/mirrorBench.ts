import { cpus } from 'node:os';
import { applyRun, type ApplyRun } from './mirrorApplyRun.js';
import { APPLY_REGION } from './mirrorBenchSetup.js';
import { lagRun, type LagRun } from './mirrorLagRun.js';

export type { ApplyRun } from './mirrorApplyRun.js';
export type { LagRun } from './mirrorLagRun.js';

export interface MirrorBenchOptions {
  /** Events pre-filled for the apply throughput runs. Default 40 000. */
  events?: number;
  /** Streams they are spread over. Default 2000. */
  streams?: number;
  /** Steady write rate across all regions for the lag runs, events/s. Default 1000. */
  lagRate?: number;
  /** Duration of each lag run, in s (the first 2 s are warm-up). Default 20. */
  lagSeconds?: number;
  /** Added one-way WAN latency of the second lag run, in ms. Default 50. */
  wanLatencyMs?: number;
  /** Fetch shaping of the lag runs' mirrors (see StartMirrorOptions). Default: the mirror's. */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /** Which parts to run. Default both. */
  parts?: readonly ('apply' | 'lag')[];
  progress?: (message: string) => void;
}

export interface MirrorBenchResult {
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly apply: {
    readonly noConflicts: ApplyRun | undefined;
    readonly concurrent10: ApplyRun | undefined;
  };
  readonly lag: { readonly targetP99Ms: number; readonly runs: readonly LagRun[] };
}

/**
 * The mirror benchmark against the running local stack: apply throughput from a pre-filled
 * topic (no conflicts, and 10% concurrent events) next to a raw batched insert of the same
 * rows in the same run, and replication lag at a steady write rate across regions with and
 * without added WAN latency. Figures are ratios against same-run baselines: the machine runs
 * the brokers, Postgres and the mirror on the same cores.
 */
export async function runMirrorBench(options: MirrorBenchOptions = {}): Promise<MirrorBenchResult> {
  const parts = options.parts ?? ['apply', 'lag'];
  const noConflicts = parts.includes('apply') ? await applyRun(0, options) : undefined;
  const concurrent10 = parts.includes('apply') ? await applyRun(0.1, options) : undefined;
  const runs = parts.includes('lag')
    ? [
        await lagRun(0, options),
        await lagRun(options.wanLatencyMs ?? 50, options),
        // The mirror alone: one region writing and applying (no cross-region load).
        await lagRun(0, options, [APPLY_REGION]),
      ]
    : [];
  return {
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
    },
    apply: { noConflicts, concurrent10 },
    lag: { targetP99Ms: 300, runs },
  };
}
