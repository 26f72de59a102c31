import { execFileSync } from 'node:child_process';
import type { ConcordConfig } from '@concord/config';
import { sleep } from '@concord/core';
import type { ServiceStatus } from '../ServiceSpec.js';
import {
  deploymentProcesses,
  readCpu,
  ticksByKind,
  type ProcessSet,
} from './deploymentProcesses.js';
import { coresUsed } from './procStat.js';

let clkTck: number | undefined;
/** The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux when unknown). */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU the deployment's processes used over a window, per kind and in all. */
export interface CpuWindow {
  readonly seconds: number;
  /** Average cores per process kind (and `extra` kinds such as a baseline's own process). */
  readonly cores: Readonly<Record<string, number>>;
  readonly totalCores: number;
  /** CPU-ms spent by all of them in the window. */
  readonly totalCpuMs: number;
  readonly pids: Readonly<Record<string, number>>;
}

/**
 * Starts a CPU window over the deployment's processes (listed again at the end, so Postgres
 * backends opened meanwhile count) plus `extra` processes by kind; `stop()` closes it.
 */
export async function startCpuWindow(
  config: ConcordConfig,
  services: () => readonly ServiceStatus[],
  extra: Readonly<Record<string, readonly number[]>> = {},
): Promise<{ stop: () => Promise<CpuWindow> }> {
  const first: ProcessSet = { ...(await deploymentProcesses(config, services())), ...extra };
  const before = readCpu(first);
  const t0 = performance.now();
  return {
    stop: async () => {
      const last: ProcessSet = { ...(await deploymentProcesses(config, services())), ...extra };
      const union: Record<string, number[]> = {};
      for (const [k, pids] of [...Object.entries(first), ...Object.entries(last)])
        union[k] = [...new Set([...(union[k] ?? []), ...(pids ?? [])])];
      // Ended processes are skipped by readCpu; ones new since the start count whole.
      const after = readCpu(union);
      // The window ends at this reading, not before the listing: on a busy machine listing
      // the processes (a Postgres query) takes a while, and its ticks are in `after`.
      const seconds = (performance.now() - t0) / 1000;
      const ticks = ticksByKind(before, after);
      const tps = ticksPerSecond();
      const cores: Record<string, number> = {};
      let total = 0;
      for (const [k, t] of Object.entries(ticks)) {
        cores[k] = round(coresUsed(t, tps, seconds));
        total += t;
      }
      return {
        seconds: round(seconds),
        cores,
        totalCores: round(coresUsed(total, tps, seconds)),
        totalCpuMs: Math.round((total / tps) * 1000),
        pids: Object.fromEntries(Object.entries(union).map(([k, p]) => [k, p.length])),
      };
    },
  };
}

/** Measures the CPU of the deployment at rest for `seconds`. */
export async function measureIdle(
  config: ConcordConfig,
  services: () => readonly ServiceStatus[],
  seconds: number,
): Promise<CpuWindow> {
  const window = await startCpuWindow(config, services);
  await sleep(seconds * 1000);
  return window.stop();
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
