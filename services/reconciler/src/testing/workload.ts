import type { WriterClient } from '@concord/chaos';
import { sleep } from '@concord/core';

/** What a workload did. */
export interface WorkloadResult {
  readonly ok: number;
  readonly failed: Readonly<Record<string, number>>;
  readonly ids: string[];
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A write for `stream` by its category: account deposits/withdrawals, profile patches. */
export function writeFor(stream: string, random: () => number) {
  if (stream.startsWith('account')) {
    return random() < 0.5
      ? { type: 'Deposited', data: { amount: 1 + Math.floor(random() * 100) } }
      : { type: 'Withdrawn', data: { amount: 1 + Math.floor(random() * 300) } };
  }
  return {
    type: 'ProfileUpdated',
    data: { [`f${Math.floor(random() * 4)}`]: Math.floor(random() * 1000) },
  };
}

/**
 * Writes through every region's real writer at `perRegionRate` writes/s each, to streams picked
 * at random among `streams` (all regions write the same streams: they overlap), until `stop()`
 * says so. Refused writes (e.g. an overdraft the writer's projection rejects) are counted.
 */
export async function runWorkload(options: {
  readonly clients: readonly WriterClient[];
  readonly streams: readonly string[];
  readonly perRegionRate: number;
  readonly stop: () => boolean;
  readonly seed: number;
  /** Called after each accepted write. */
  readonly onWrite?: () => void;
}): Promise<WorkloadResult> {
  const failed: Record<string, number> = {};
  const ids: string[] = [];
  let ok = 0;
  await Promise.all(
    options.clients.map(async (client, i) => {
      const random = prng(options.seed * 31 + i);
      const period = 1000 / options.perRegionRate;
      let next = Date.now();
      while (!options.stop()) {
        const stream = options.streams[Math.floor(random() * options.streams.length)]!;
        const outcome = await client.append(stream, writeFor(stream, random));
        if (outcome.ok) {
          ok++;
          ids.push(outcome.event.id);
          options.onWrite?.();
        } else failed[outcome.code] = (failed[outcome.code] ?? 0) + 1;
        next += period;
        await sleep(Math.max(0, next - Date.now()));
      }
    }),
  );
  return { ok, failed, ids };
}
