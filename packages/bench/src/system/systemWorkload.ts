import type { WriterClient } from '@concord/chaos';
import type { ConcordConfig, RegionId } from '@concord/config';
import { quantile, sleep } from '@concord/core';
import { createPool, type pg } from '@concord/postgres';
import { BENCH_APPLICATION } from '@concord/runner';

/** Latency figures in ms. */
export interface Latency {
  readonly n: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function latency(values: number[]): Latency {
  values.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: values.length,
    p50Ms: r(quantile(values, 0.5, 0)),
    p99Ms: r(quantile(values, 0.99, 0)),
    maxMs: r(values.at(-1) ?? 0),
  };
}

/** One client per region appending sequentially (each region's client after the other). */
export async function oneClient(
  clients: readonly WriterClient[],
  prefix: string,
  appends: number,
  body: { type: string; data: Record<string, unknown> },
): Promise<Record<RegionId, Latency & { errors: number }>> {
  const out: Record<RegionId, Latency & { errors: number }> = {};
  for (const c of clients) {
    const ms: number[] = [];
    let errors = 0;
    for (let i = 0; i < appends; i++) {
      const o = await c.append(`${prefix}-one-${c.region}-${i % 8}`, body);
      if (o.ok) ms.push(o.ms);
      else errors++;
    }
    out[c.region] = { ...latency(ms), errors };
  }
  return out;
}

/** What one open-loop step sent and got back, per region. */
export interface StepLoad {
  readonly seconds: number;
  readonly sent: Record<RegionId, number>;
  readonly acked: Record<RegionId, number>;
  readonly errors: Record<RegionId, number>;
  readonly errorCodes: Record<string, number>;
  /** Append latency from the scheduled send time (no coordinated omission), all regions. */
  readonly append: Latency;
}

/**
 * Appends at `ratePerRegion` in every region at once for `seconds`, whatever the answers: a
 * share `sharedShare` goes to a few streams every region writes (concurrent writes, merges),
 * the rest to a new stream each, as the demo mixes them. Streams are named `<prefix>-…`.
 */
export async function openLoopStep(
  clients: readonly WriterClient[],
  prefix: string,
  ratePerRegion: number,
  seconds: number,
  body: { type: string; data: Record<string, unknown> },
  sharedShare = 0.3,
  sharedStreams = 16,
): Promise<StepLoad> {
  const zero = () => Object.fromEntries(clients.map((c) => [c.region, 0]));
  const sent = zero();
  const acked = zero();
  const errors = zero();
  const errorCodes: Record<string, number> = {};
  const ms: number[] = [];
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let seq = 0; ; seq++) {
        // Regions start a fraction of an interval apart so their sends interleave.
        const due = start + ((seq + ci / clients.length) * 1000) / ratePerRegion;
        if (due >= end) break;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const shared = (seq * 7919 + ci) % 100 < sharedShare * 100;
        const stream = shared
          ? `${prefix}-shared-${seq % sharedStreams}`
          : `${prefix}-${c.region}-${seq}`;
        sent[c.region]!++;
        const p = c.append(stream, body).then((o) => {
          if (o.ok) {
            acked[c.region]!++;
            ms.push(performance.now() - due);
          } else {
            errors[c.region]!++;
            errorCodes[o.code] = (errorCodes[o.code] ?? 0) + 1;
          }
        });
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    }),
  );
  await Promise.all(pending);
  return { seconds, sent, acked, errors, errorCodes, append: latency(ms) };
}

/** Replication lag per region pair `origin→region`, from every region's applied events. */
export interface PairLag extends Latency {
  readonly origin: RegionId;
  readonly region: RegionId;
  /** Writes acknowledged in `origin` that `region` had not applied when read. */
  readonly missing: number;
}

/**
 * Reads each region's projection.events for the benchmark's writes under `prefix` (the same
 * acceptedAt → applied_at lag the demo's live view shows), waiting up to `settleMs` for every
 * acknowledged write to arrive. Only the benchmark's own type counts (no merge events).
 */
export class LagReader {
  private readonly pools: Map<RegionId, pg.Pool>;

  constructor(private readonly config: ConcordConfig) {
    this.pools = new Map(
      config.regions.map((r) => [
        r,
        createPool(config.byRegion[r]!.postgres.url, {
          max: 1,
          applicationName: BENCH_APPLICATION,
        }),
      ]),
    );
  }

  async read(
    prefix: string,
    type: string,
    acked: Record<RegionId, number>,
    settleMs: number,
  ): Promise<PairLag[]> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const counts = await Promise.all(
        this.config.regions.map(async (r) => {
          const { rows } = await this.pools.get(r)!.query<{ origin: string; n: number }>(
            `select origin, count(*)::int as n from projection.events
              where stream like $1 and type = $2 group by origin`,
            [`${prefix}-%`, type],
          );
          return this.config.regions.every(
            (o) => (rows.find((x) => x.origin === o)?.n ?? 0) >= (acked[o] ?? 0),
          );
        }),
      );
      if (counts.every(Boolean) || Date.now() >= deadline) break;
      await sleep(250);
    }
    const pairs: PairLag[] = [];
    for (const region of this.config.regions) {
      const { rows } = await this.pools.get(region)!.query<{ origin: string; lag_ms: number }>(
        `select origin, extract(epoch from (applied_at - (envelope->'meta'->>'acceptedAt')::timestamptz)) * 1000 as lag_ms
           from projection.events where stream like $1 and type = $2 and origin <> $3`,
        [`${prefix}-%`, type, region],
      );
      for (const origin of this.config.regions.filter((o) => o !== region)) {
        const lags = rows.filter((x) => x.origin === origin).map((x) => Number(x.lag_ms));
        pairs.push({
          origin,
          region,
          ...latency(lags),
          missing: Math.max(0, (acked[origin] ?? 0) - lags.length),
        });
      }
    }
    return pairs;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.end()));
  }
}
