import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import { quantile, sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';
import { ident, migrate, pg } from '@concord/postgres';
import { deploymentEnv } from '@concord/runner';
import {
  deleteRedisPrefix,
  ensureStackTopics,
  readStackEndpoints,
  withStackEndpoints,
} from '@concord/stack';

export interface WriterBenchOptions {
  /** Region whose writer and broker are measured. Default: the first region. */
  readonly region?: RegionId;
  /** Concurrent clients of the closed-loop phases. Default 64. */
  readonly clients?: number;
  /** Size of each event's data (and of each raw producer value), bytes. Default 1024. */
  readonly dataBytes?: number;
  /** Length of each measured phase, ms. Default 10 000. */
  readonly phaseMs?: number;
  /** Warm-up before each measured phase, ms. Default 2 000. */
  readonly warmupMs?: number;
  readonly log?: (line: string) => void;
}

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

export interface WriterBenchResult {
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly setup: {
    readonly region: RegionId;
    readonly clients: number;
    readonly dataBytes: number;
    readonly phaseSeconds: number;
    readonly writer: string;
    readonly client: string;
  };
  /** kafkajs idempotent producer (acks=-1, one request in flight), one send per value. */
  readonly rawProducer: PhaseResult;
  /** The writer over HTTP, every append to a new stream. */
  readonly writerDistinctStreams: PhaseResult;
  /** The writer over HTTP, every append to the same stream (serialised per stream). */
  readonly writerHotStream: PhaseResult;
  /** Open loop at half the writer's distinct-stream rate; latency from the scheduled send time. */
  readonly writerHalfRate: PhaseResult & { readonly targetPerSecond: number };
  readonly ratios: {
    /** writerDistinctStreams.perSecond / rawProducer.perSecond. */
    readonly writerVsRawProducer: number;
    readonly hotStreamVsRawProducer: number;
  };
  readonly targets: {
    readonly writerVsRawProducerMin: number;
    readonly halfRateP99MaxMs: number;
    readonly writerVsRawProducerMet: boolean;
    readonly halfRateP99Met: boolean;
  };
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
async function closedLoop(
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
async function openLoop(
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** POST over a keep-alive agent; resolves with the status code. */
function post(agent: Agent, port: number, path: string, token: string, body: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Creates the bench namespace's topics and database; returns the cleanup. */
async function prepare(config: ConcordConfig, region: RegionId): Promise<() => Promise<void>> {
  const rc = config.byRegion[region]!;
  await ensureStackTopics(config, region);
  await migrate(rc.postgres.url);
  return async () => {
    const kafka = createKafka({ clientId: 'concord-bench-cleanup', brokers: rc.kafka.brokers });
    const admin = kafka.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${config.namespace}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
    await admin.disconnect();
    const url = new URL(rc.postgres.url);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query(`drop database if exists ${ident(rc.postgres.database)} with (force)`);
    await client.end();
    await deleteRedisPrefix(rc.redis.url, rc.redis.keyPrefix);
  };
}

/** Starts the region's writer as a child process (its own core) and waits until it answers. */
async function startWriterProcess(
  config: ConcordConfig,
  region: RegionId,
  port: number,
  tokens: { apiToken: string; adminToken: string },
): Promise<ChildProcess> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONCORD_'))),
    ...deploymentEnv(config, readStackEndpoints(config), tokens),
    CONCORD_REGION: region,
    // One log line per event is an operator's choice; the bench measures the write path.
    CONCORD_LOG_LEVEL: 'warn',
    CONCORD_TRACES_EXPORTER: 'none',
    [`CONCORD_${region.toUpperCase().replaceAll('-', '_')}_WRITER_PORT`]: String(port),
  };
  const child = spawn(
    process.execPath,
    [join(config.workspaceRoot, 'services', 'writer', 'dist', 'main.js')],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the writer exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the writer did not become ready within 30 s');
    }
    await sleep(200);
  }
}

/**
 * The writer's throughput and latency against a raw kafkajs idempotent producer on the same
 * broker, in the same run: 64 concurrent clients, 1 KiB data; distinct streams and one hot
 * stream; then an open loop at half the writer's rate for its p99. Needs the local stack up
 * and `pnpm build` (the writer runs as a child process from services/writer/dist). Uses a
 * namespace of its own and deletes it afterwards.
 */
export async function runWriterBench(
  baseConfig: ConcordConfig,
  options: WriterBenchOptions = {},
): Promise<WriterBenchResult> {
  const region = options.region ?? baseConfig.regions[0]!;
  const clients = options.clients ?? 64;
  const dataBytes = options.dataBytes ?? 1024;
  const phaseMs = options.phaseMs ?? 10_000;
  const warmupMs = options.warmupMs ?? 2_000;
  const log = options.log ?? (() => undefined);
  const endpoints = readStackEndpoints(baseConfig);
  if (!endpoints) throw new Error('the local stack is not up: run `concord stack up` first');
  const config = withStackEndpoints(
    { ...baseConfig, namespace: `bench${randomBytes(4).toString('hex')}` },
    endpoints,
  );
  // Re-derive the namespace-dependent names (databases, key prefixes) for the bench namespace.
  const byRegion = Object.fromEntries(
    Object.entries(config.byRegion).map(([id, rc]) => {
      const database = `${config.namespace}_${id}`;
      const url = new URL(rc.postgres.url);
      url.pathname = `/${database}`;
      return [
        id,
        {
          ...rc,
          postgres: { url: url.toString(), database },
          redis: { ...rc.redis, keyPrefix: `${config.namespace}:${id}:` },
        },
      ];
    }),
  );
  const bench: ConcordConfig = { ...config, byRegion };
  const rc = bench.byRegion[region]!;
  const topic = topics(bench).events(region);
  const cleanup = await prepare(bench, region);
  const pad = 'x'.repeat(Math.max(0, dataBytes - 10));
  try {
    // 1. The raw producer: the ceiling of one idempotent producer with one request in flight.
    log(`raw producer: ${clients} clients × ${dataBytes} B on ${topic}`);
    const kafka = createKafka({ clientId: 'concord-bench-raw', brokers: rc.kafka.brokers });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const value = Buffer.alloc(dataBytes, 'x');
    const rawProducer = await closedLoop(clients, warmupMs, phaseMs, async (c, seq) => {
      await producer.send({ topic, acks: -1, messages: [{ key: `raw-${c}-${seq}`, value }] });
      return true;
    });
    await producer.disconnect();
    log(`raw producer: ${JSON.stringify(rawProducer)}`);

    // 2. The writer, as a child process.
    const tokens = {
      apiToken: `bench-api-${randomBytes(12).toString('hex')}`,
      adminToken: `bench-admin-${randomBytes(12).toString('hex')}`,
    };
    const port = await freePort();
    const writer = await startWriterProcess(bench, region, port, tokens);
    const agent = new Agent({ keepAlive: true, maxSockets: clients * 4 });
    const body = JSON.stringify({ type: 'BenchWritten', data: { pad } });
    const append = (stream: string) =>
      post(agent, port, `/v1/streams/${stream}/events`, tokens.apiToken, body).then(
        (status) => status === 201,
      );
    try {
      log(`writer, distinct streams: ${clients} clients`);
      const writerDistinctStreams = await closedLoop(clients, warmupMs, phaseMs, (c, seq) =>
        append(`bench-${c}-${seq}`),
      );
      log(`writer, distinct streams: ${JSON.stringify(writerDistinctStreams)}`);

      log(`writer, one hot stream: ${clients} clients`);
      const writerHotStream = await closedLoop(clients, warmupMs, phaseMs, () =>
        append('bench-hot'),
      );
      log(`writer, one hot stream: ${JSON.stringify(writerHotStream)}`);

      const targetPerSecond = Math.max(1, Math.round(writerDistinctStreams.perSecond / 2));
      log(`writer, open loop at ${targetPerSecond}/s`);
      const half = await openLoop(targetPerSecond, warmupMs, phaseMs, (seq) =>
        append(`bench-half-${seq}`),
      );
      const writerHalfRate = { ...half, targetPerSecond };
      log(`writer, half rate: ${JSON.stringify(writerHalfRate)}`);

      const ratio = (x: number) => Math.round((x / Math.max(1, rawProducer.perSecond)) * 100) / 100;
      const cpu = cpus();
      return {
        machine: {
          node: process.version,
          cpus: cpu.length,
          cpuModel: cpu[0]?.model ?? 'unknown',
        },
        setup: {
          region,
          clients,
          dataBytes,
          phaseSeconds: phaseMs / 1000,
          writer: 'child process (services/writer/dist/main.js), log level warn, no trace export',
          client: 'node:http keep-alive agent in the bench process',
        },
        rawProducer,
        writerDistinctStreams,
        writerHotStream,
        writerHalfRate,
        ratios: {
          writerVsRawProducer: ratio(writerDistinctStreams.perSecond),
          hotStreamVsRawProducer: ratio(writerHotStream.perSecond),
        },
        targets: {
          writerVsRawProducerMin: 0.5,
          halfRateP99MaxMs: 20,
          writerVsRawProducerMet: ratio(writerDistinctStreams.perSecond) >= 0.5,
          halfRateP99Met: writerHalfRate.p99Ms <= 20,
        },
      };
    } finally {
      agent.destroy();
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      writer.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (writer.exitCode === null) writer.kill('SIGKILL');
    }
  } finally {
    await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}
