import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRegionKeys, type ConcordConfig } from '@concord/config';
import {
  hlcSuccessor,
  mergeEventId,
  RegionKeyring,
  verifyEnvelope,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import type { RunningWriter } from '../startWriter.js';
import {
  ADMIN_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/** `POST /v1/admin/merges`: how a reconciler appends a concord.merge through the writer. */
let config: ConcordConfig;
let writer: RunningWriter;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  writer = await startTestWriter(config);
});

afterAll(async () => {
  await writer?.close();
  await cleanup(config);
});

describe('POST /v1/admin/merges', () => {
  it('appends a merge signed by this region, once, and the next append descends from it', async () => {
    const api = client(writer.url);
    const admin = client(writer.url, ADMIN_TOKEN);
    const a = (await api.append('merge-1', { type: 'T', data: { a: 1 } })).body.event;
    const b = (await api.append('merge-2', { type: 'T', data: { b: 1 } })).body.event;
    // (The parents would be the conflict's heads; any two ids show the mechanics.)
    const parents = [a.id, b.id].sort();
    const merge: UnsignedEnvelope = {
      v: 1,
      id: mergeEventId('merge-1', parents),
      stream: 'merge-1',
      type: 'concord.merge',
      data: { policy: 'lww', conflictId: '7fb560c5-42f3-57d4-8d04-d98c0e8d4371', winners: {} },
      origin: 'eu',
      hlc: hlcSuccessor(b.hlc),
      parents,
      meta: {},
    };
    expect((await api.call('POST', '/v1/admin/merges', { merge })).status).toBe(403);
    const first = await admin.call<{ event: Envelope; duplicate: boolean }>(
      'POST',
      '/v1/admin/merges',
      { merge },
    );
    expect(first.status).toBe(201);
    expect(first.body.event).toMatchObject({
      id: merge.id,
      origin: 'eu',
      meta: { signedBy: 'us' },
    });
    const keys = readRegionKeys(config);
    expect(() =>
      verifyEnvelope(first.body.event, RegionKeyring.from(keys.publicKeysPem)),
    ).not.toThrow();
    const again = await admin.call<{ event: Envelope; duplicate: boolean }>(
      'POST',
      '/v1/admin/merges',
      { merge },
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, event: { id: merge.id } });
    const next = await api.append('merge-1', { type: 'T', data: { c: 1 } });
    expect(next.body.event.parents).toEqual([merge.id]);
    const records = (await readEventsTopic(config)).filter((r) => r.value.id === merge.id);
    expect(records).toHaveLength(1);
    expect(records[0]!.headers).toMatchObject({
      'concord-origin': 'eu',
      'concord-type': 'concord.merge',
    });
  });

  it('400 for anything but a merge with its deterministic id', async () => {
    const admin = client(writer.url, ADMIN_TOKEN);
    const parents = [
      '019b76da-a800-7720-9da1-52f92ab27369',
      '019b76da-bb88-7648-8e3a-88348b63929e',
    ];
    const merge = {
      v: 1,
      id: mergeEventId('merge-3', parents),
      stream: 'merge-3',
      type: 'concord.merge',
      data: {},
      origin: 'us',
      hlc: { wall: 1, logical: 1 },
      parents,
      meta: {},
    };
    for (const bad of [
      { ...merge, stream: 'other' },
      { ...merge, type: 'T' },
      { ...merge, v: 2 },
    ]) {
      const r = await admin.call('POST', '/v1/admin/merges', { merge: bad });
      expect(r.status).toBe(400);
    }
    expect((await admin.call('POST', '/v1/admin/merges', { nope: 1 })).status).toBe(400);
  });
});
