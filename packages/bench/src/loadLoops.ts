import { quantile, sleep } from '@concord/core';

/*
 * The load loops of the writer bench (docs/performance.md): closed loops of concurrent
 * clients, and an open loop at a fixed rate measured from the scheduled send time.
 */

/** Latency figures of one phase (ms) and its acknowledged throughput. */
export interface PhaseResult {
  readonly acknowledged: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function summarise(latencies: number[], errors: number, seconds: number): PhaseResult {
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    acknowledged: latencies.length,
    errors,
    seconds: round(seconds),
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: round(quantile(latencies, 0.5, 0)),
    p90Ms: round(quantile(latencies, 0.9, 0)),
    p99Ms: round(quantile(latencies, 0.99, 0)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
  };
}

/** Runs `clients` loops of `op` for `ms` (after a warm-up) and measures each completed op. */
export async function closedLoop(
  clients: number,
  warmupMs: number,
  ms: number,
  op: (client: number, seq: number) => Promise<boolean>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let seq = 0; !stop; seq++) {
      const started = performance.now();
      const ok = await op(c, seq).catch(() => false);
      if (!measuring) continue;
      if (ok) latencies.push(performance.now() - started);
      else errors++;
    }
  });
  await sleep(warmupMs);
  measuring = true;
  const from = performance.now();
  await sleep(ms);
  measuring = false;
  const seconds = (performance.now() - from) / 1000;
  stop = true;
  await Promise.all(loops);
  return summarise(latencies, errors, seconds);
}

/** Sends at a fixed rate whatever the answers (no coordinated omission). */
export async function openLoop(
  perSecond: number,
  warmupMs: number,
  ms: number,
  op: (seq: number) => Promise<boolean>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + ms;
  for (let seq = 0; ; seq++) {
    const due = start + (seq * 1000) / perSecond;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const measured = due >= measureFrom;
    const p = op(seq)
      .catch(() => false)
      .then((ok) => {
        if (!measured) return;
        if (ok) latencies.push(performance.now() - due);
        else errors++;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  return summarise(latencies, errors, ms / 1000);
}
