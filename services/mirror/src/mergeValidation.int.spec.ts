import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import {
  buildMerge,
  DomainRegistry,
  foldStream,
  mergeDataHash,
  mergeEventId,
  mergePatchDomain,
  RESOLUTION_POLICIES,
  SCHEMA_UPGRADE_DEPENDENCY,
  signEnvelope,
  TestEventFactory,
  type DomainModule,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  eventRecord,
  readTopic,
  regionPool,
  RegionProducers,
  signAll,
  signers,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { DLQ_HEADERS, startMirror, type MirrorHandle } from './index.js';

// docs/decisions/0007-merge-validation.md: every region judges a merge before applying it.
const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const producers = new RegionProducers(config);
const mirrors = new Map<string, MirrorHandle>();
const pools = new Map<string, pg.Pool>();
const release1 = new DomainRegistry(defaultDomains);
// Release 2 resolves `memo` conflicts differently (its merges record no winners) and still
// judges release 1's merges.
const memo1 = mergePatchDomain('memo');
const memo2: DomainModule = {
  ...memo1,
  resolverVersion: 2,
  contestedFields: () => [],
  previousResolvers: {
    1: { policy: RESOLUTION_POLICIES.lww, contestedFields: memo1.contestedFields! },
  },
};
const release2 = new DomainRegistry([...defaultDomains, memo2]);

async function start(region: string, domains: DomainRegistry): Promise<void> {
  await mirrors.get(region)?.close();
  mirrors.set(
    region,
    await startMirror(config, {
      region,
      port: 0,
      host: '127.0.0.1',
      domains,
      sweepIntervalMs: 2000,
    }),
  );
}

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  for (const r of config.regions) pools.set(r, regionPool(config, r));
  for (const r of config.regions) await start(r, release1);
});

afterAll(async () => {
  await Promise.allSettled([...mirrors.values()].map((m) => m.close()));
  await producers.close();
  await Promise.allSettled([...pools.values()].map((p) => p.end()));
  await cleanupNamespace(config);
});

const pool = (region: string) => pools.get(region)!;

async function stored(region: string, id: string): Promise<UnsignedEnvelope | undefined> {
  const { rows } = await pool(region).query<{ envelope: UnsignedEnvelope }>(
    'select envelope from projection.events where id = $1',
    [id],
  );
  return rows[0]?.envelope;
}

async function streamRow(region: string, stream: string) {
  const { rows } = await pool(region).query<{ state: unknown; heads: string[] }>(
    'select state, heads from projection.streams where stream = $1',
    [stream],
  );
  return rows[0];
}

async function heldIds(region: string): Promise<string[]> {
  const { rows } = await pool(region).query<{ id: string }>(
    'select id from projection.pending where missing @> array[$1]::uuid[] order by id',
    [SCHEMA_UPGRADE_DEPENDENCY],
  );
  return rows.map((r) => r.id);
}

/** A stream forked by eu and ap from a common root, produced and signed by the origins. */
async function conflicted(stream: string) {
  const f = new TestEventFactory({ stream, startWall: Date.now(), seed: config.namespace });
  const root = f.event({ type: 'Set', origin: 'us', data: { title: 'draft', tags: { a: 1 } } });
  const eu = f.event({ type: 'Set', origin: 'eu', parents: [root.id], data: { title: 'eu' } });
  const ap = f.event({ type: 'Set', origin: 'ap', parents: [root.id], data: { title: 'ap' } });
  const events = [root, eu, ap];
  await producers.sendEvents(signAll(config, events));
  return events;
}

/** Signed by `signer` (any region may emit a merge; its origin stays the owner). */
function signedBy(signer: string, merge: UnsignedEnvelope): Envelope {
  return signEnvelope(
    { ...merge, meta: { acceptedAt: new Date().toISOString() } },
    signers(config).get(signer)!,
  );
}

/** Produces onto the emitting region's own events topic, as its writer would. */
async function produce(signer: string, merge: Envelope): Promise<void> {
  await producers.send(signer, [eventRecord(config, merge, topics(config).events(signer))]);
}

describe('merge validation', () => {
  it('refuses a forged merge in every region; the real one applies; never both', async () => {
    const stream = 'note-1';
    const events = await conflicted(stream);
    const real = buildMerge({
      events,
      module: release1.forStream(stream),
      regions: config.regions,
    }).merge;
    // A legitimate id (it derives from stream and parents only) with an arbitrary patch.
    const forged: UnsignedEnvelope = { ...real, data: { ...real.data, patch: { title: 'pwned' } } };
    // Another merge of the same conflict under its own id: a "manual" one the category refuses.
    const manualData = {
      resolution: { patch: { title: 'pwned' } },
      patch: { title: 'pwned' },
      policy: 'manual',
      conflictId: real.data['conflictId']!,
    };
    const other: UnsignedEnvelope = {
      ...real,
      id: mergeEventId(stream, real.parents, mergeDataHash(manualData)),
      data: manualData,
    };
    const signer = config.regions.find((r) => r !== real.origin)!;
    await produce(signer, signedBy(signer, forged));
    await produce(signer, signedBy(signer, other));

    for (const region of config.regions) {
      const dlq = await readTopic(config, region, topics(config).dlq(region), {
        expected: 2,
        timeoutMs: 60_000,
      });
      expect(dlq.map((r) => r.headers[DLQ_HEADERS.code])).toEqual([
        'MERGE_INVALID',
        'MERGE_INVALID',
      ]);
      expect(dlq.map((r) => r.headers[DLQ_HEADERS.reason]).sort()).toEqual(['content', 'policy']);
      expect(await stored(region, forged.id)).toBeUndefined();
      expect(await stored(region, other.id)).toBeUndefined();
    }

    // The real merge, then the forgery again (a duplicate now), then a write after the merge.
    await produce(real.origin, signedBy(real.origin, real));
    await produce(signer, signedBy(signer, forged));
    const f = new TestEventFactory({
      stream,
      startWall: Date.now() + 1000,
      seed: `${config.namespace}-after`,
    });
    const after = f.event({ type: 'Set', origin: 'eu', parents: [real.id], data: { done: true } });
    await producers.sendEvents(signAll(config, [after]));
    const expected = foldStream([...events, real, after], release1.forStream(stream).reducer);
    for (const region of config.regions) {
      await waitFor(async () => (await stored(region, after.id)) !== undefined, {
        timeoutMs: 60_000,
        message: `${region} applies the real merge and the write after it`,
      });
      expect((await stored(region, real.id))?.data).toEqual(real.data);
      expect(await stored(region, other.id)).toBeUndefined();
      expect(await streamRow(region, stream)).toEqual({ state: expected.state, heads: [after.id] });
    }
  });

  it('mixed resolver versions hold rather than diverge, and converge once upgraded', async () => {
    const stream = 'memo-1';
    const events = await conflicted(stream);
    const m1 = buildMerge({ events, module: memo1, regions: config.regions }).merge;
    const m2 = buildMerge({ events, module: memo2, regions: config.regions }).merge;
    expect(m2.id).not.toBe(m1.id);
    // us runs release 2 first (a rolling upgrade); its merge reaches every region.
    await start('us', release2);
    await produce(m2.origin, signedBy(m2.origin, m2));
    await waitFor(async () => (await stored('us', m2.id)) !== undefined, {
      timeoutMs: 60_000,
      message: 'us (release 2) applies the release-2 merge',
    });
    for (const region of ['eu', 'ap']) {
      await waitFor(async () => (await heldIds(region)).includes(m2.id), {
        timeoutMs: 60_000,
        message: `${region} (release 1) holds the release-2 merge`,
      });
      expect(await stored(region, m2.id)).toBeUndefined();
    }
    // Release 1's merge of the same conflict: a distinct event, judged alike by both releases.
    await produce(m1.origin, signedBy(m1.origin, m1));
    for (const region of config.regions) {
      await waitFor(async () => (await stored(region, m1.id)) !== undefined, {
        timeoutMs: 60_000,
        message: `${region} applies the release-1 merge`,
      });
    }
    expect(await stored('eu', m2.id)).toBeUndefined();
    // The upgrade of eu and ap releases what they held: every region, the same events and state.
    await start('eu', release2);
    await start('ap', release2);
    const all = foldStream([...events, m1, m2], memo2.reducer);
    for (const region of config.regions) {
      await waitFor(async () => (await stored(region, m2.id)) !== undefined, {
        timeoutMs: 60_000,
        message: `${region} applies the held merge after its upgrade`,
      });
      expect(await heldIds(region)).toEqual([]);
      expect(await streamRow(region, stream)).toEqual({
        state: all.state,
        heads: [...all.heads].sort(),
      });
    }
  });
});
