import { readRegionKeys, topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  createSigner,
  DomainRegistry,
  serializeEnvelope,
  signEnvelope,
  simulateHistory,
  type Envelope,
  type EnvelopeSigner,
  type JsonObject,
  type SimulationOp,
  type UnsignedEnvelope,
  withRetry,
} from '@concord/core';
import { cartLines, defaultDomains, type CartState } from '@concord/domains';
import { createKafka, EventProducer, topicOffsets, type OutgoingRecord } from '@concord/kafka';
import { createPool, type pg } from '@concord/postgres';

/** A small deterministic PRNG (mulberry32), so a failing history can be replayed by seed. */
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

/** The streams of the test histories: merge-patch, and the shipped account/cart/profile. */
export const TEST_STREAMS = ['profile-1', 'note:2', 'account-3', 'cart-4', 'ticket-5', 'profile-6'];

function writeOp(random: () => number, regions: number, streams: number): SimulationOp {
  const stream = Math.floor(random() * streams);
  const region = Math.floor(random() * regions);
  const name = TEST_STREAMS[stream % TEST_STREAMS.length]!;
  let type = 'Set';
  let data: JsonObject = { [`f${Math.floor(random() * 4)}`]: Math.floor(random() * 100) };
  if (name.startsWith('account')) {
    const r = random();
    type = r < 0.15 ? 'Opened' : r < 0.6 ? 'Deposited' : 'Withdrawn';
    data = type === 'Opened' ? {} : { amount: 1 + Math.floor(random() * 50) };
  } else if (name.startsWith('cart')) {
    type = random() < 0.7 ? 'ItemAdded' : 'ItemRemoved';
    const sku = `sku-${Math.floor(random() * 4)}`;
    data = type === 'ItemAdded' ? { sku, quantity: 1 + Math.floor(random() * 3) } : { sku };
  } else if (name.startsWith('profile')) {
    type = 'ProfileUpdated';
  }
  return {
    op: 'write',
    region,
    stream,
    type,
    data,
    ...(random() < 0.1 ? { idempotencyKey: `k${Math.floor(random() * 5)}` } : {}),
    ...(random() < 0.15 ? { causedByOtherStream: true } : {}),
    advanceMs: Math.floor(random() * 20),
  };
}

/**
 * A random multi-region history (forks, cross-stream causedBy, idempotency keys, merges) from
 * the core simulator: every region writes from its own view, views meet only through syncs.
 */
export function randomHistory(options: {
  seed: number;
  ops: number;
  regions: readonly RegionId[];
  streams?: number;
  /** Probability of a sync step (lower: more forks). Default 0.3. */
  syncRate?: number;
  /** Appended to every stream name (separate histories on separate streams). */
  streamSuffix?: string;
  /** The writers' domain modules (e.g. one that writes newer schema versions). Default: shipped. */
  registry?: DomainRegistry;
}): UnsignedEnvelope[] {
  const random = prng(options.seed);
  const n = options.regions.length;
  const streams = options.streams ?? TEST_STREAMS.length;
  const ops: SimulationOp[] = [];
  for (let i = 0; i < options.ops; i++) {
    const r = random();
    if (r < (options.syncRate ?? 0.3)) {
      ops.push({ op: 'sync', from: Math.floor(random() * n), to: Math.floor(random() * n) });
    } else if (r < (options.syncRate ?? 0.3) + 0.05) {
      ops.push({
        op: 'merge',
        region: Math.floor(random() * n),
        stream: Math.floor(random() * streams),
      });
    } else ops.push(writeOp(random, n, streams));
  }
  return [
    ...simulateHistory(ops, {
      regions: options.regions,
      streams: TEST_STREAMS.slice(0, streams).map((s) => `${s}${options.streamSuffix ?? ''}`),
      registry: options.registry ?? new DomainRegistry(defaultDomains),
      seed: `mirror-${options.seed}`,
    }).events,
  ];
}

/** Signers of every region, from the stack's key files. */
export function signers(config: ConcordConfig): Map<RegionId, EnvelopeSigner> {
  return new Map(
    config.regions.map((r) => [r, createSigner(r, readRegionKeys(config, r).privateKeyPem!)]),
  );
}

/** Signs as the origin (merges too), stamping `meta.acceptedAt` now. */
export function signAll(
  config: ConcordConfig,
  events: readonly UnsignedEnvelope[],
  meta: JsonObject = {},
): Envelope[] {
  const keys = signers(config);
  return events.map((e) =>
    signEnvelope(
      { ...e, meta: { ...e.meta, acceptedAt: new Date().toISOString(), ...meta } },
      keys.get(e.origin)!,
    ),
  );
}

/** The record of an envelope on its origin's events topic (key = stream). */
export function eventRecord(
  config: ConcordConfig,
  envelope: Envelope,
  topic?: string,
): OutgoingRecord {
  return {
    topic: topic ?? topics(config).events(envelope.origin),
    key: envelope.stream,
    value: serializeEnvelope(envelope),
    headers: { id: envelope.id, origin: envelope.origin, type: envelope.type },
  };
}

/** One producer per region's own cluster (as each region's writer would use). */
export class RegionProducers {
  private readonly producers = new Map<RegionId, EventProducer>();

  constructor(private readonly config: ConcordConfig) {}

  of(region: RegionId): EventProducer {
    let p = this.producers.get(region);
    if (!p) {
      p = new EventProducer(
        createKafka({
          clientId: `mirror-test-producer-${region}`,
          brokers: this.config.byRegion[region]!.kafka.brokers,
        }),
      );
      this.producers.set(region, p);
    }
    return p;
  }

  /**
   * Produces records to the cluster of `region`, waiting for every acknowledgement; retries a
   * while when the broker is unavailable (another test run may pause a broker of the stack).
   */
  async send(region: RegionId, records: readonly OutgoingRecord[]): Promise<void> {
    await withRetry(
      async () => {
        const p = this.of(region);
        await Promise.all(records.map((r) => p.send(r)));
      },
      { attempts: 30, initialDelayMs: 200, maxDelayMs: 2000 },
    );
  }

  /** Produces each envelope to its origin's events topic (on the origin's cluster). */
  async sendEvents(envelopes: readonly Envelope[]): Promise<void> {
    const byRegion = new Map<RegionId, OutgoingRecord[]>();
    for (const e of envelopes) {
      const list = byRegion.get(e.origin) ?? [];
      list.push(eventRecord(this.config, e));
      byRegion.set(e.origin, list);
    }
    await Promise.all([...byRegion].map(([region, records]) => this.send(region, records)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.values()].map((p) => p.disconnect()));
  }
}

/** What a region's projection says, comparable across regions. */
export interface ProjectionView {
  readonly events: number;
  readonly streams: Record<
    string,
    { state: unknown; heads: string[]; idsHash: string; stateHash: string; version: number }
  >;
  readonly buckets: Record<number, string>;
  readonly openConflicts: string[];
}

export async function readProjection(
  pool: pg.Pool,
  schema = 'projection',
): Promise<ProjectionView> {
  const events = await pool.query<{ n: string }>(`select count(*) as n from ${schema}.events`);
  const streams = await pool.query<{
    stream: string;
    state: unknown;
    heads: string[];
    ids_hash: string;
    state_hash: string;
    version: number;
  }>(
    `select stream, state, heads, ids_hash, state_hash, version from ${schema}.streams order by stream`,
  );
  const buckets = await pool.query<{ bucket: number; hash: string }>(
    `select bucket, hash from ${schema}.digest_buckets where streams > 0 order by bucket`,
  );
  const conflicts = await pool.query<{ id: string }>(
    `select id from ${schema}.conflicts where status = 'open' order by id`,
  );
  return {
    events: Number(events.rows[0]!.n),
    streams: Object.fromEntries(
      streams.rows.map((r) => [
        r.stream,
        {
          state: r.state,
          heads: [...r.heads].sort(),
          idsHash: r.ids_hash,
          stateHash: r.state_hash,
          version: r.version,
        },
      ]),
    ),
    buckets: Object.fromEntries(buckets.rows.map((r) => [r.bucket, r.hash])),
    openConflicts: conflicts.rows.map((r) => r.id),
  };
}

/** A small pool on a region's projection database. */
export function regionPool(config: ConcordConfig, region: RegionId): pg.Pool {
  return createPool(config.byRegion[region]!.postgres.url, {
    max: 2,
    applicationName: 'mirror-test',
  });
}

/** The applied event ids of a region, in applied order. */
export async function appliedIds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    'select id from projection.events order by applied_seq',
  );
  return rows.map((r) => r.id);
}

/** A record read back from a topic. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic of `region`'s cluster from the beginning until `expected` records arrived (or
 * `timeoutMs` passed), with a throwaway consumer group.
 */
export async function readTopic(
  config: ConcordConfig,
  region: RegionId,
  topic: string,
  { expected, timeoutMs = 30_000 }: { expected: number; timeoutMs?: number },
): Promise<ReadRecord[]> {
  const kafka = createKafka({
    clientId: 'mirror-test-reader',
    brokers: config.byRegion[region]!.kafka.brokers,
  });
  const groupId = `${config.namespace}.test-reader.${Math.random().toString(36).slice(2)}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 32 * 1024 * 1024 });
  const records: ReadRecord[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(v) ? v[0] : v;
          if (first !== undefined) headers[k] = first.toString();
        }
        records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
        });
        if (records.length >= expected) done();
      },
    });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}

/** The value of a gauge or counter sample in Prometheus text, or undefined. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/**
 * The stored source offsets of every events partition against the end of the log: equal when
 * everything was consumed. Returns the differing partitions (empty when all are at the end).
 */
export async function offsetsBehindLogEnd(config: ConcordConfig, pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>(
    'select topic, partition, next_offset from projection.source_offsets',
  );
  const stored = new Map(rows.map((r) => [`${r.topic}:${r.partition}`, r.next_offset]));
  const behind: string[] = [];
  for (const origin of config.regions) {
    const topic = topics(config).events(origin);
    const kafka = createKafka({
      clientId: 'mirror-test-offsets',
      brokers: config.byRegion[origin]!.kafka.brokers,
    });
    for (const o of await topicOffsets(kafka, topic)) {
      if (o.high === 0n) continue;
      const s = stored.get(`${topic}:${o.partition}`);
      if (s !== o.high.toString())
        behind.push(`${topic}:${o.partition} stored ${s ?? 'none'} end ${o.high}`);
    }
  }
  return behind;
}

/**
 * The differences between a projection's read models and what its stream states say (empty
 * when they agree): cart lines, balances, profiles.
 */
export async function readModelDrift(pool: pg.Pool): Promise<string[]> {
  const drift: string[] = [];
  const states = await pool.query<{ stream: string; state: unknown }>(
    'select stream, state from projection.streams order by stream',
  );
  const carts = await pool.query<{ stream: string; sku: string; quantity: string }>(
    'select stream, sku, quantity from projection.cart_items order by stream, sku',
  );
  const balances = await pool.query<{ stream: string; balance: string }>(
    'select stream, balance from projection.account_balances order by stream',
  );
  const profiles = await pool.query<{ stream: string; doc: unknown }>(
    'select stream, doc from projection.profiles order by stream',
  );
  const expectedCarts = states.rows
    .filter((r) => r.stream.startsWith('cart-'))
    .flatMap((r) =>
      cartLines(r.state as CartState).map((l) => `${r.stream}/${l.sku}=${l.quantity}`),
    );
  const actualCarts = carts.rows.map((r) => `${r.stream}/${r.sku}=${r.quantity}`);
  if (JSON.stringify(expectedCarts) !== JSON.stringify(actualCarts)) drift.push('cart_items');
  const expectedBalances = states.rows
    .filter((r) => r.stream.startsWith('account-'))
    .map((r) => `${r.stream}=${(r.state as { balance: number }).balance}`);
  if (
    JSON.stringify(expectedBalances) !==
    JSON.stringify(balances.rows.map((r) => `${r.stream}=${r.balance}`))
  )
    drift.push('account_balances');
  const expectedProfiles = states.rows.filter((r) => r.stream.startsWith('profile-'));
  if (
    JSON.stringify(expectedProfiles.map((r) => [r.stream, r.state])) !==
    JSON.stringify(profiles.rows.map((r) => [r.stream, r.doc]))
  )
    drift.push('profiles');
  return drift;
}
