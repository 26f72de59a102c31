import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { cpus } from 'node:os';
import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';
import { readStackEndpoints, withStackEndpoints } from '@concord/stack';
import { closedLoop, openLoop, type PhaseResult } from './loadLoops.js';
import {
  benchNamespaceConfig,
  freePort,
  post,
  prepare,
  startWriterProcess,
} from './writerBenchSetup.js';

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
  const bench = benchNamespaceConfig(config);
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
