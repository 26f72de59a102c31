import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConcordConfig, RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka, ensureTopics, type Kafka } from '@concord/kafka';
import { createPool } from '@concord/postgres';
import { BENCH_APPLICATION } from '@concord/runner';
import { latency, type Latency } from './systemWorkload.js';

type Producer = ReturnType<Kafka['producer']>;

/** Same-run baseline topics (never the deployment's own), one per region and run. */
export function baselineTopic(
  config: ConcordConfig,
  kind: 'raw' | 'naive',
  region: RegionId,
  run: string,
) {
  return `${config.namespace}.bench.${kind}.${run}.${region}`;
}

/** Idempotent producers (acks=-1, one request in flight, as the writer's) per region. */
export async function connectProducers(config: ConcordConfig): Promise<Map<RegionId, Producer>> {
  const out = new Map<RegionId, Producer>();
  for (const r of config.regions) {
    const p = createKafka({
      clientId: `bench-system-${r}`,
      brokers: config.byRegion[r]!.kafka.brokers,
    }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    out.set(r, p);
  }
  return out;
}

export async function createBaselineTopics(
  config: ConcordConfig,
  kind: 'raw' | 'naive',
  run: string,
) {
  for (const r of config.regions) {
    const kafka = createKafka({
      clientId: 'bench-system-admin',
      brokers: config.byRegion[r]!.kafka.brokers,
    });
    await ensureTopics(kafka, [{ topic: baselineTopic(config, kind, r, run), partitions: 3 }]);
  }
}

/**
 * Open loop of raw sends at `ratePerRegion` in every region at once (1 KiB values, as the
 * benchmark's appends), keyed `<prefix>-<region>-<seq>`; latency from the scheduled time.
 */
export async function rawOpenLoop(
  config: ConcordConfig,
  producers: Map<RegionId, Producer>,
  kind: 'raw' | 'naive',
  run: string,
  prefix: string,
  ratePerRegion: number,
  seconds: number,
  value: Buffer,
): Promise<{ acked: Record<RegionId, number>; errors: number; append: Latency }> {
  const acked: Record<RegionId, number> = Object.fromEntries(config.regions.map((r) => [r, 0]));
  let errors = 0;
  const ms: number[] = [];
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    config.regions.map(async (r, ri) => {
      const topic = baselineTopic(config, kind, r, run);
      for (let seq = 0; ; seq++) {
        const due = start + ((seq + ri / config.regions.length) * 1000) / ratePerRegion;
        if (due >= end) break;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const p = producers
          .get(r)!
          .send({ topic, acks: -1, messages: [{ key: `${prefix}-${r}-${seq}`, value }] })
          .then(
            () => {
              acked[r]!++;
              ms.push(performance.now() - due);
            },
            () => {
              errors++;
            },
          );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    }),
  );
  await Promise.all(pending);
  return { acked, errors, append: latency(ms) };
}

/**
 * The naive pipeline: `bench_naive.events` in every region's database, and one consumer process
 * per region (naiveConsumerProcess.js) reading all three naive topics over the WAN links.
 */
export class NaivePipeline {
  private children: ChildProcess[] = [];
  constructor(
    private readonly config: ConcordConfig,
    private readonly run: string,
  ) {}

  pids(): number[] {
    return this.children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  async start(): Promise<void> {
    const c = this.config;
    await createBaselineTopics(c, 'naive', this.run);
    for (const r of c.regions) {
      await this.sql(
        r,
        `create schema if not exists bench_naive;
        create table if not exists bench_naive.events (id text primary key, produced_at timestamptz not null,
          applied_at timestamptz not null default clock_timestamp(), data text not null)`,
      );
      const sources = c.regions.map((o) => {
        const link = c.links.find((l) => l.from === o && l.to === r);
        return {
          topic: baselineTopic(c, 'naive', o, this.run),
          brokers:
            o === r || !link ? [...c.byRegion[o]!.kafka.brokers] : [`127.0.0.1:${link.proxyPort}`],
        };
      });
      const child = fork(
        fileURLToPath(new URL('./naiveConsumerProcess.js', import.meta.url)),
        [
          JSON.stringify({
            region: r,
            pgUrl: c.byRegion[r]!.postgres.url,
            groupId: `bench-naive-${this.run}-${r}`,
            sources,
          }),
        ],
        { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
      );
      this.children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`naive consumer ${r} exited with ${code}`)));
      });
    }
  }

  /** Lag per region pair of the rows under `prefix`, waiting up to `settleMs` for all of them. */
  async lag(prefix: string, acked: Record<RegionId, number>, settleMs: number) {
    const c = this.config;
    const total = Object.values(acked).reduce((a, b) => a + b, 0);
    const deadline = Date.now() + settleMs;
    const pairs: (Latency & { origin: RegionId; region: RegionId; missing: number })[] = [];
    for (const r of c.regions) {
      for (;;) {
        const rows = await this.sql(
          r,
          `select count(*)::int as n from bench_naive.events where id like '${prefix}-%'`,
        );
        if (Number(rows[0]?.n) >= total || Date.now() >= deadline) break;
        await sleep(250);
      }
      const rows = await this.sql(
        r,
        `select split_part(substr(id, ${prefix.length + 2}), '-', 1) as origin,
          extract(epoch from (applied_at - produced_at)) * 1000 as lag_ms
        from bench_naive.events where id like '${prefix}-%'`,
      );
      for (const o of c.regions.filter((x) => x !== r)) {
        const lags = rows.filter((x) => x.origin === o).map((x) => Number(x.lag_ms));
        pairs.push({
          origin: o,
          region: r,
          ...latency(lags),
          missing: Math.max(0, (acked[o] ?? 0) - lags.length),
        });
      }
    }
    return pairs;
  }

  async stop(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      await new Promise((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => resolve(clearTimeout(t)));
        child.send('stop');
      });
    }
    this.children = [];
    for (const r of this.config.regions)
      await this.sql(r, 'drop schema if exists bench_naive cascade').catch(() => undefined);
  }

  private async sql(region: RegionId, text: string): Promise<Record<string, unknown>[]> {
    const pool = createPool(this.config.byRegion[region]!.postgres.url, {
      max: 1,
      applicationName: BENCH_APPLICATION,
    });
    try {
      const res = await pool.query(text);
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      return (last as { rows: Record<string, unknown>[] }).rows;
    } finally {
      await pool.end();
    }
  }
}
