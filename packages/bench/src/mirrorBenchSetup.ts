import { randomBytes } from 'node:crypto';
import { loadConfig, topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  HybridLogicalClock,
  newEventId,
  serializeEnvelope,
  signEnvelope,
  type Envelope,
  type EnvelopeSigner,
  type EventId,
  type Hlc,
} from '@concord/core';
import { createKafka, EventProducer, type OutgoingRecord } from '@concord/kafka';
import { ident, migrate, pg } from '@concord/postgres';
import { ensureStackTopics, requireStackEndpoints, withStackEndpoints } from '@concord/stack';

/**
 * The region whose mirror the apply runs measure, and where the concurrent events come from.
 * Not `us`: other test suites stop and pause us's broker for their fault tests.
 */
export const APPLY_REGION = 'eu';
export const CONCURRENT_REGION = 'ap';

export function benchConfig(): ConcordConfig {
  const config = loadConfig({
    overrides: {
      CONCORD_NAMESPACE: `bm${randomBytes(4).toString('hex')}`,
      CONCORD_INSECURE: 'true',
      CONCORD_LOG_LEVEL: 'error',
    },
  });
  return withStackEndpoints(config, requireStackEndpoints(config));
}

export async function setUp(config: ConcordConfig): Promise<void> {
  await Promise.all(config.regions.map((r) => ensureStackTopics(config, r)));
  await Promise.all(config.regions.map((r) => migrate(config.byRegion[r]!.postgres.url)));
}

export async function tearDown(config: ConcordConfig): Promise<void> {
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
export class BenchWriter {
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

export function record(config: ConcordConfig, e: Envelope): OutgoingRecord {
  return { topic: topics(config).events(e.origin), key: e.stream, value: serializeEnvelope(e) };
}

export async function produceAll(
  config: ConcordConfig,
  events: readonly Envelope[],
): Promise<void> {
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
