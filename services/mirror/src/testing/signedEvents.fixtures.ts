import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  DomainRegistry,
  simulateHistory,
  type JsonObject,
  type SimulationOp,
  type UnsignedEnvelope,
} from '@concord/core';
import { cartLines, defaultDomains, type CartState } from '@concord/domains';
import { createKafka, topicOffsets } from '@concord/kafka';
import type { pg } from '@concord/postgres';

/*
 * The mirror's test histories and what its projection says. Signing, producing, reading
 * topics and metrics are in @concord/test-support.
 */

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

/** The applied event ids of a region, in applied order. */
export async function appliedIds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    'select id from projection.events order by applied_seq',
  );
  return rows.map((r) => r.id);
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
