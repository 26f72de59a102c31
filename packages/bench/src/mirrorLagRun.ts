import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readRegionKeys, type RegionId } from '@concord/config';
import { createSigner, quantile, sleep, type EventId, type Hlc } from '@concord/core';
import { createKafka, EventProducer } from '@concord/kafka';
import { StackController } from '@concord/stack';
import type { MirrorBenchOptions } from './mirrorBench.js';
import { BenchWriter, benchConfig, record, setUp, tearDown } from './mirrorBenchSetup.js';

export interface LagRun {
  /** Regions writing and mirroring (each writes rate / n events/s; each mirror applies all). */
  readonly regions: readonly RegionId[];
  readonly addedOneWayLatencyMs: number;
  readonly ratePerSecond: number;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The same, for events read across a WAN link only (origin ≠ applying region). */
  readonly remote: { readonly p50Ms: number; readonly p99Ms: number };
}

/** Starts a region's mirror in its own process (mirrorLagProcess.js) and waits until it runs. */
async function forkMirror(
  namespace: string,
  region: RegionId,
  options: MirrorBenchOptions,
): Promise<ChildProcess> {
  const child = fork(
    fileURLToPath(new URL('./mirrorLagProcess.js', import.meta.url)),
    [namespace, region, String(options.fetchMinBytes ?? ''), String(options.fetchMaxWaitMs ?? '')],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`mirror ${region} exited with ${code}`)));
  });
  return child;
}

export async function lagRun(
  latencyMs: number,
  options: MirrorBenchOptions,
  only?: readonly RegionId[],
): Promise<LagRun> {
  const config = benchConfig();
  const regions = only ?? config.regions;
  const log = options.progress ?? (() => undefined);
  const rate = options.lagRate ?? 1000;
  const seconds = options.lagSeconds ?? 20;
  const stack = new StackController(config);
  await setUp(config);
  const mirrors: ChildProcess[] = [];
  const producers = (only ?? config.regions).map(
    (r) =>
      new EventProducer(
        createKafka({ clientId: `bench-lag-${r}`, brokers: config.byRegion[r]!.kafka.brokers }),
      ),
  );
  const failed: unknown[] = [];
  try {
    if (latencyMs > 0) {
      for (const [i, a] of config.regions.entries()) {
        for (const b of config.regions.slice(i + 1)) await stack.links.latency(a, b, latencyMs);
      }
    }
    for (const region of regions) mirrors.push(await forkMirror(config.namespace, region, options));
    const writers = regions.map(
      (r) => new BenchWriter(r, createSigner(r, readRegionKeys(config, r).privateKeyPem!)),
    );
    const heads = new Map<string, { id: EventId; hlc: Hlc }[]>();
    log(
      `lag: ${rate} events/s in ${regions.join(', ')} for ${seconds} s, ${latencyMs} ms added one-way latency`,
    );
    const started = Date.now();
    let sent = 0;
    let measuring = false;
    const pending: Promise<unknown>[] = [];
    while (Date.now() - started < seconds * 1000) {
      if (!measuring && Date.now() - started > 2000) {
        measuring = true;
        for (const m of mirrors) m.send('measure');
      }
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      while (sent < due) {
        const w = sent % writers.length;
        const writer = writers[w]!;
        const stream = `lag-${writer.region}-${sent % 200}`;
        const e = writer.event(stream, heads.get(stream) ?? [], { n: sent });
        heads.set(stream, [{ id: e.id, hlc: e.hlc }]);
        pending.push(
          producers[w]!.send(record(config, e)).catch((error: unknown) => {
            failed.push(error);
          }),
        );
        sent++;
      }
      await sleep(10);
    }
    await Promise.all(pending);
    if (failed.length > 0) throw new Error(`${failed.length} writes failed: ${String(failed[0])}`);
    await sleep(3000);
    const reports = await Promise.all(
      mirrors.map(
        (m) =>
          new Promise<[number, number][]>((resolve) => {
            m.once('message', (message: { lags: [number, number][] }) => resolve(message.lags));
            m.send('report');
          }),
      ),
    );
    const lags = reports.flat();
    const all = lags.map((l) => l[0]).sort((a, b) => a - b);
    const remote = lags
      .filter((l) => l[1] === 1)
      .map((l) => l[0])
      .sort((a, b) => a - b);
    return {
      regions,
      addedOneWayLatencyMs: latencyMs,
      ratePerSecond: rate,
      samples: all.length,
      p50Ms: quantile(all, 0.5, 0),
      p99Ms: quantile(all, 0.99, 0),
      maxMs: all.at(-1) ?? 0,
      remote: { p50Ms: quantile(remote, 0.5, 0), p99Ms: quantile(remote, 0.99, 0) },
    };
  } finally {
    if (latencyMs > 0) {
      for (const [i, a] of config.regions.entries()) {
        for (const b of config.regions.slice(i + 1))
          await stack.links.heal(a, b).catch(() => undefined);
      }
    }
    for (const m of mirrors) {
      if (m.exitCode === null && m.signalCode === null) {
        await new Promise((resolve) => {
          m.once('exit', resolve);
          m.kill('SIGTERM');
        });
      }
    }
    await Promise.allSettled(producers.map((p) => p.disconnect()));
    await tearDown(config);
  }
}
