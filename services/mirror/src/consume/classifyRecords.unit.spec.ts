import { describe, expect, it } from 'vitest';
import {
  createSigner,
  generateRegionKeyPair,
  RegionKeyring,
  serializeEnvelope,
  signEnvelope,
  TestEventFactory,
} from '@concord/core';
import { createLogger } from '@concord/telemetry';
import { classifyRecords, nulCharacterPath } from './classifyRecords.js';
import { VerifierPool } from './VerifierPool.js';

const us = generateRegionKeyPair();
const eu = generateRegionKeyPair();
const rogue = generateRegionKeyPair();
const keyring = RegionKeyring.from({ us: us.publicKey, eu: eu.publicKey });
const options = { keyring, maxEventBytes: 4096 };
const factory = new TestEventFactory({ stream: 'profile-1', origin: 'us' });

function record(value: string | Buffer | null, offset = 0) {
  return {
    offset: String(offset),
    key: Buffer.from('profile-1'),
    value: value === null ? null : Buffer.from(value),
    headers: { id: 'x' },
  };
}

describe('classifyRecords', () => {
  it('accepts a valid, correctly signed envelope and keeps the record text', async () => {
    const signed = signEnvelope(
      factory.event({ type: 'Set', data: { a: 1 } }),
      createSigner('us', us.privateKey),
    );
    const [r] = await classifyRecords([record(serializeEnvelope(signed), 5)], options);
    expect(r).toMatchObject({ kind: 'event', offset: 5n, envelope: { id: signed.id } });
    expect(r?.kind === 'event' && JSON.parse(r.text)).toEqual(
      JSON.parse(serializeEnvelope(signed)),
    );
  });

  it('rejects, with a stable code and the field, everything else — in order, one result per record (and worker threads agree)', async () => {
    const good = signEnvelope(factory.event({ type: 'Set' }), createSigner('us', us.privateKey));
    const forged = signEnvelope(
      factory.event({ type: 'Set' }),
      createSigner('us', rogue.privateKey),
    );
    const foreign = signEnvelope(
      factory.event({ type: 'Set', origin: 'mars' }),
      createSigner('mars', rogue.privateKey),
    );
    const notOrigin = signEnvelope(
      factory.event({ type: 'Set' }),
      createSigner('eu', eu.privateKey),
    );
    const wrongSchema = { ...good, hlc: { wall: -1, logical: 0 } };
    const huge = signEnvelope(
      factory.event({ type: 'Set', data: { blob: 'x'.repeat(5000) } }),
      createSigner('us', us.privateKey),
    );
    const withNul = signEnvelope(
      factory.event({ type: 'Set', data: { name: 'a\u0000b' } }),
      createSigner('us', us.privateKey),
    );
    const input = [
      record(Buffer.from([0xff, 0xfe, 0x00, 0x01]), 0),
      record('{"v":1}', 1),
      record(JSON.stringify(wrongSchema), 2),
      record(serializeEnvelope(forged), 3),
      record(serializeEnvelope(foreign), 4),
      record(serializeEnvelope(notOrigin), 5),
      record(serializeEnvelope(huge), 6),
      record(null, 7),
      record(serializeEnvelope(withNul), 8),
      record(serializeEnvelope(good), 9),
    ];
    const results = await classifyRecords(input, options);
    const pool = new VerifierPool({
      ...options,
      threads: 2,
      publicKeysPem: { us: [us.publicKey], eu: [eu.publicKey] },
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    try {
      expect(pool.threads).toBe(2);
      const threaded = await pool.classify([...input, ...input, ...input]);
      expect(threaded).toEqual([...results, ...results, ...results]);
    } finally {
      await pool.close();
    }
    const summary = results.map((r) =>
      r.kind === 'event'
        ? ['event', r.offset]
        : [r.rejection.code, r.rejection.field ?? null, r.rejection.reason ?? null, r.offset],
    );
    expect(summary).toEqual([
      ['ENVELOPE_INVALID', '$', null, 0n],
      ['ENVELOPE_INVALID', 'id', null, 1n],
      ['ENVELOPE_INVALID', 'hlc.wall', null, 2n],
      ['SIGNATURE_INVALID', null, 'bad-signature', 3n],
      ['UNKNOWN_REGION', 'origin', null, 4n],
      ['SIGNATURE_INVALID', null, 'signer-not-origin', 5n],
      ['ENVELOPE_TOO_LARGE', '$', null, 6n],
      ['ENVELOPE_INVALID', '$', 'empty', 7n],
      ['ENVELOPE_INVALID', 'data.name', 'nul-character', 8n],
      ['event', 9n],
    ]);
    // The rejected record keeps its bytes and headers for the DLQ copy.
    expect(results[0]).toMatchObject({
      kind: 'invalid',
      value: Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      headers: { id: 'x' },
    });
  });

  it('keeps only the canonical form of a signed envelope whose bytes are not canonical; refuses duplicate names', async () => {
    const signer = createSigner('us', us.privateKey);
    const signed = signEnvelope(factory.event({ type: 'Set', data: { n: 0, s: 'é' } }), signer);
    const canonical = serializeEnvelope(signed);
    const variants = [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(canonical)]), // BOM
      canonical.replace('"n":0', '"n":0e-100000'), // same number, other spelling
      canonical.replace('"s":"é"', '"s":"\\u00e9"'), // an escape
      JSON.stringify(signed, null, 2), // whitespace and another member order
    ];
    const input = [
      ...variants.map((v, i) => record(v, i)),
      record(canonical.replace('"data":{', '"data":{"n":7,'), 4), // n twice: last wins in JS
      record(canonical.replace('"data":{', '"data":{"n":0,"n":0,'), 5), // even with one value
    ];
    const results = await classifyRecords(input, options);
    const pool = new VerifierPool({
      ...options,
      threads: 1,
      publicKeysPem: { us: [us.publicKey], eu: [eu.publicKey] },
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    try {
      expect(await pool.classify(input)).toEqual(results);
    } finally {
      await pool.close();
    }
    for (const r of results.slice(0, variants.length)) {
      expect(r).toMatchObject({ kind: 'event', text: canonical, envelope: { id: signed.id } });
    }
    for (const r of results.slice(variants.length)) {
      expect(r).toMatchObject({
        kind: 'invalid',
        rejection: { code: 'ENVELOPE_INVALID', field: 'data.n', reason: 'duplicate-key' },
      });
    }
  });

  it('finds U+0000 in strings and keys, nowhere else', () => {
    expect(nulCharacterPath({ a: ['x', { b: 'y\u0000' }] })).toBe('a.1.b');
    expect(nulCharacterPath({ 'k\u0000': 1 })).toBe('k\u0000');
    expect(nulCharacterPath({ a: '\\u0000 is fine as text', n: 0 })).toBeUndefined();
  });
});
