import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  loadConfig,
  readRegionKeys,
  topics,
  type ConcordConfig,
  type RegionId,
} from '@concord/config';
import {
  createSigner,
  HybridLogicalClock,
  newEventId,
  RegionKeyring,
  serializeEnvelope,
  signEnvelope,
  sleep,
  type Envelope,
  type EnvelopeSigner,
  type EventId,
  type Hlc,
  verifyEnvelopes,
} from '@concord/core';
import { createKafka, EventProducer, type OutgoingRecord } from '@concord/kafka';
import { startMirror, ProjectionStore, type MirrorHandle } from '@concord/mirror';
import {
  createPool,
  createProjectionSchema,
  ident,
  inTransaction,
  migrate,
  pg,
} from '@concord/postgres';
import {
  ensureStackTopics,
  requireStackEndpoints,
  StackController,
  withStackEndpoints,
} from '@concord/stack';

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

export interface ApplyRun {
  readonly events: number;
  readonly concurrentEvents: number;
  /** Events per second applied by the mirror, steady state (first transaction excluded). */
  readonly eventsPerSecond: number;
  readonly transactions: number;
  readonly avgTransactionEvents: number;
  readonly slowPathStreams: number;
  readonly conflictsDetected: number;
  /** The same rows inserted into the same table shape, same batch size, one statement per batch. */
  readonly rawInsert: { readonly eventsPerSecond: number; readonly batchSize: number };
  /** eventsPerSecond / rawInsert.eventsPerSecond (target ≥ 0.5). */
  readonly ratio: number;
  /**
   * The least any correct mirror does: verify each batch's signatures (`verifyEnvelopes`, both
   * cores), then the same raw insert. A second, same-run baseline.
   */
  readonly verifyThenInsert: { readonly eventsPerSecond: number };
  /** eventsPerSecond / verifyThenInsert.eventsPerSecond. */
  readonly ratioToVerifyThenInsert: number;
}

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

export interface MirrorBenchResult {
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly apply: {
    readonly noConflicts: ApplyRun | undefined;
    readonly concurrent10: ApplyRun | undefined;
  };
  readonly lag: { readonly targetP99Ms: number; readonly runs: readonly LagRun[] };
}

/**
 * The region whose mirror the apply runs measure, and where the concurrent events come from.
 * Not `us`: other test suites stop and pause us's broker for their fault tests.
 */
const APPLY_REGION = 'eu';
const CONCURRENT_REGION = 'ap';

function benchConfig(): ConcordConfig {
  const config = loadConfig({
    overrides: {
      CONCORD_NAMESPACE: `bm${randomBytes(4).toString('hex')}`,
      CONCORD_INSECURE: 'true',
      CONCORD_LOG_LEVEL: 'error',
    },
  });
  return withStackEndpoints(config, requireStackEndpoints(config));
}

async function setUp(config: ConcordConfig): Promise<void> {
  await Promise.all(config.regions.map((r) => ensureStackTopics(config, r)));
  await Promise.all(config.regions.map((r) => migrate(config.byRegion[r]!.postgres.url)));
}

async function tearDown(config: ConcordConfig): Promise<void> {
  for (const r of config.regions) {
    const url = new URL(config.byRegion[r]!.postgres.url);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client
      .query(`drop database if exists ${ident(database)} with (force)`)
      .finally(() => client.end());
    const admin = createKafka({
      clientId: 'bench-cleanup',
      brokers: config.byRegion[r]!.kafka.brokers,
    }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${config.namespace}.`));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** A writer of the bench: signs as its region, stamps HLCs after the parents. */
class BenchWriter {
  private readonly clock: HybridLogicalClock;
  constructor(
    readonly region: RegionId,
    private readonly signer: EnvelopeSigner,
    now: () => number = Date.now,
  ) {
    this.clock = new HybridLogicalClock({ now, maxDriftMs: Infinity });
  }

  event(
    stream: string,
    parents: readonly { id: EventId; hlc: Hlc }[],
    data: object,
    hlc?: Hlc,
  ): Envelope {
    const stamp = hlc ?? this.clock.stampAfter(parents.map((p) => p.hlc));
    return signEnvelope(
      {
        v: 1,
        id: newEventId({ msecs: stamp.wall }),
        stream,
        type: 'Set',
        data: data as Envelope['data'],
        origin: this.region,
        hlc: stamp,
        parents: parents.map((p) => p.id).sort(),
        meta: { acceptedAt: new Date().toISOString() },
      },
      this.signer,
    );
  }
}

function record(config: ConcordConfig, e: Envelope): OutgoingRecord {
  return { topic: topics(config).events(e.origin), key: e.stream, value: serializeEnvelope(e) };
}

/**
 * `events` over `streams` streams written in the apply region, each stream a chain; with
 * `concurrent`, that share of the events is written in another region concurrently with the head (same parents as it, a lower
 * clock), so it sorts before the head: a fork, a slow-path recompute, a conflict, merged by the
 * stream's next write (whose parents are both heads).
 */
function workload(
  config: ConcordConfig,
  events: number,
  streams: number,
  concurrent: number,
): Envelope[] {
  const home = new BenchWriter(
    APPLY_REGION,
    createSigner(APPLY_REGION, readRegionKeys(config, APPLY_REGION).privateKeyPem!),
  );
  const other = new BenchWriter(
    CONCURRENT_REGION,
    createSigner(CONCURRENT_REGION, readRegionKeys(config, CONCURRENT_REGION).privateKeyPem!),
  );
  const heads = new Map<string, { id: EventId; hlc: Hlc }[]>();
  const previous = new Map<string, { id: EventId; hlc: Hlc }[]>();
  const out: Envelope[] = [];
  let n = 0;
  let forks = 0;
  while (out.length < events) {
    const stream = `bench-${n % streams}`;
    const current = heads.get(stream) ?? [];
    const before = previous.get(stream);
    const fork = before !== undefined && current.length === 1 && forks < concurrent * out.length;
    if (fork) {
      forks++;
      const parentHlc = before.reduce((m, p) => (p.hlc.wall > m.wall ? p.hlc : m), {
        wall: 0,
        logical: 0,
      });
      const e = other.event(
        stream,
        before,
        { f: n },
        { wall: parentHlc.wall, logical: parentHlc.logical + 1 },
      );
      out.push(e);
      heads.set(stream, [...current, { id: e.id, hlc: e.hlc }]);
    } else {
      const e = home.event(stream, current, { f: n % 7, n });
      out.push(e);
      previous.set(stream, current);
      heads.set(stream, [{ id: e.id, hlc: e.hlc }]);
    }
    n++;
  }
  return out;
}

async function produceAll(config: ConcordConfig, events: readonly Envelope[]): Promise<void> {
  const byRegion = new Map<RegionId, Envelope[]>();
  for (const e of events) {
    const list = byRegion.get(e.origin);
    if (list) list.push(e);
    else byRegion.set(e.origin, [e]);
  }
  await Promise.all(
    [...byRegion].map(async ([region, list]) => {
      const producer = new EventProducer(
        createKafka({ clientId: 'bench-prefill', brokers: config.byRegion[region]!.kafka.brokers }),
        { maxBatchRecords: 2000 },
      );
      try {
        for (let i = 0; i < list.length; i += 2000) {
          await Promise.all(list.slice(i, i + 2000).map((e) => producer.send(record(config, e))));
        }
      } finally {
        await producer.disconnect();
      }
    }),
  );
}

/**
 * The same rows as the mirror wrote, into a fresh schema of the same shape, batch by batch
 * (one statement, one transaction per batch); with `verify`, each batch's signatures are
 * verified first (`verifyEnvelopes`).
 */
async function rawInsert(
  config: ConcordConfig,
  events: readonly Envelope[],
  batchSize: number,
  verify: boolean,
): Promise<number> {
  const pool = createPool(config.byRegion[APPLY_REGION]!.postgres.url, { max: 1 });
  const schema = verify ? 'bench_verify_raw' : 'bench_raw';
  const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);
  try {
    await inTransaction(pool, (c) => createProjectionSchema(c, schema));
    const rows = events.map((e, i) => ({
      envelope: e,
      text: serializeEnvelope(e),
      position: i,
      noop: false,
      source: `bench:0@${i}`,
    }));
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      if (verify) {
        const results = await verifyEnvelopes(
          batch.map((r) => r.envelope),
          keyring,
        );
        if (results.some((r) => !r.ok)) throw new Error('bench envelope did not verify');
      }
      await inTransaction(pool, (c) => new ProjectionStore(c, schema).insertEvents(batch));
    }
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

async function applyRun(concurrent: number, options: MirrorBenchOptions): Promise<ApplyRun> {
  const config = benchConfig();
  const log = options.progress ?? (() => undefined);
  await setUp(config);
  let mirror: MirrorHandle | undefined;
  try {
    const events = workload(config, options.events ?? 40_000, options.streams ?? 2000, concurrent);
    log(
      `apply ${concurrent ? '10% concurrent' : 'no conflicts'}: pre-filling ${events.length} events`,
    );
    await produceAll(config, events);
    mirror = await startMirror(config, { region: APPLY_REGION, port: 0, host: '127.0.0.1' });
    const m = mirror;
    const deadline = Date.now() + 600_000;
    while (m.stats().applied < events.length) {
      if (Date.now() > deadline)
        throw new Error(`mirror applied ${m.stats().applied} of ${events.length}`);
      await sleep(50);
    }
    const stats = m.stats();
    const seconds = (stats.lastCommitAt! - stats.firstCommitAt!) / 1000;
    const eventsPerSecond = (stats.applied - stats.firstCommitApplied) / seconds;
    const metrics = await fetch(`${m.url}/metrics`).then((r) => r.text());
    const sample = (name: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(name))
          ?.split(' ')
          .at(-1) ?? 0,
      );
    await mirror.close();
    mirror = undefined;
    const batchSize = Math.max(1, Math.round(stats.applied / stats.transactions));
    log(`apply: ${eventsPerSecond.toFixed(0)} events/s; raw insert with batches of ${batchSize}`);
    const raw = await rawInsert(config, events, batchSize, false);
    const verified = await rawInsert(config, events, batchSize, true);
    log(
      `raw insert: ${raw.toFixed(0)} events/s; verify then insert: ${verified.toFixed(0)} events/s`,
    );
    return {
      events: events.length,
      concurrentEvents: events.filter((e) => e.origin === CONCURRENT_REGION).length,
      eventsPerSecond: Math.round(eventsPerSecond),
      transactions: stats.transactions,
      avgTransactionEvents: batchSize,
      slowPathStreams: sample('concord_mirror_slow_path_streams_total'),
      conflictsDetected: sample('concord_conflicts_detected_total'),
      rawInsert: { eventsPerSecond: Math.round(raw), batchSize },
      ratio: Math.round((eventsPerSecond / raw) * 100) / 100,
      verifyThenInsert: { eventsPerSecond: Math.round(verified) },
      ratioToVerifyThenInsert: Math.round((eventsPerSecond / verified) * 100) / 100,
    };
  } finally {
    await mirror?.close();
    await tearDown(config);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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

async function lagRun(
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
    const pending: Promise<void>[] = [];
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
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      maxMs: all.at(-1) ?? 0,
      remote: { p50Ms: percentile(remote, 50), p99Ms: percentile(remote, 99) },
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
