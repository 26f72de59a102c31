import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcordError } from '../errors/ConcordError.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import type { Envelope, UnsignedEnvelope } from './Envelope.js';
import { mergeEventId } from './ids.js';
import { parseEnvelope, serializeEnvelope } from './parseEnvelope.js';
import { createSigner, generateRegionKeyPair, RegionKeyring } from './RegionKeyring.js';
import {
  isSignatureValid,
  signEnvelope,
  verifyEnvelope,
  verifyEnvelopeAsync,
  verifyEnvelopes,
} from './signEnvelope.js';

const us = generateRegionKeyPair();
const eu = generateRegionKeyPair();
const usNext = generateRegionKeyPair();
const keyring = RegionKeyring.from({ us: us.publicKey, eu: eu.publicKey });
const signUs = createSigner('us', us.privateKey);
const signEu = createSigner('eu', eu.privateKey);

const factory = new TestEventFactory({ stream: 'profile-1', origin: 'us' });
const event = factory.event({ type: 'Renamed', data: { name: 'Ada' } });

function rejection(envelope: Envelope, ring = keyring): { code: string; details: unknown } {
  try {
    verifyEnvelope(envelope, ring);
  } catch (error) {
    if (error instanceof ConcordError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected verification to fail');
}

describe('signEnvelope / verifyEnvelope', () => {
  it('signs the canonical envelope without sig, as the signer region, and verifies it', () => {
    const signed = signEnvelope(event, signUs);
    expect(signed.meta.signedBy).toBe('us');
    expect(() => verifyEnvelope(signed, keyring)).not.toThrow();
    // Survives the wire: parsing and re-serializing (any key order) keeps it valid.
    const wire = JSON.parse(serializeEnvelope(signed)) as Envelope;
    expect(isSignatureValid(parseEnvelope(JSON.stringify(wire)), keyring)).toBe(true);
  });

  it('rejects tampering with any signed field, meta included', () => {
    const signed = signEnvelope(event, signUs);
    const tampered: Envelope[] = [
      { ...signed, data: { name: 'Eve' } },
      { ...signed, hlc: { ...signed.hlc, logical: 1 } },
      { ...signed, parents: ['01900000-0000-7000-8000-00000000000a'] },
      { ...signed, meta: { ...signed.meta, actor: 'mallory' } },
      { ...signed, type: 'Deleted' },
    ];
    for (const envelope of tampered) {
      expect(rejection(envelope)).toMatchObject({
        code: 'SIGNATURE_INVALID',
        details: { reason: 'bad-signature' },
      });
    }
  });

  it('rejects a forged signature (right region, wrong key)', () => {
    const mallory = generateKeyPairSync('ed25519').privateKey;
    const forged = signEnvelope(event, createSigner('us', mallory));
    expect(rejection(forged)).toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { reason: 'bad-signature' },
    });
    const garbage = { ...signEnvelope(event, signUs), sig: `${'A'.repeat(85)}A` };
    expect(rejection(garbage).code).toBe('SIGNATURE_INVALID');
  });

  it('rejects an ordinary event signed by another known region', () => {
    const byEu = signEnvelope(event, signEu);
    expect(rejection(byEu)).toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { reason: 'signer-not-origin' },
    });
    // Claiming eu signed it while us did is caught by the signature itself.
    const claimed = { ...signEnvelope(event, signUs), meta: { signedBy: 'eu' } };
    expect(rejection(claimed).code).toBe('SIGNATURE_INVALID');
  });

  it('accepts a concord.merge signed by any known region (failover reconciler)', () => {
    const a = factory.event({ type: 'Renamed', data: { name: 'A' }, parents: [event.id] });
    const b = factory.event({
      type: 'Renamed',
      data: { name: 'B' },
      parents: [event.id],
      origin: 'eu',
    });
    const parents = [a.id, b.id].sort();
    const merge: UnsignedEnvelope = {
      v: 1,
      id: mergeEventId('profile-1', parents),
      stream: 'profile-1',
      type: 'concord.merge',
      data: { policy: 'lww' },
      origin: 'us',
      hlc: { wall: b.hlc.wall, logical: 1 },
      parents,
      meta: {},
    };
    expect(() => verifyEnvelope(signEnvelope(merge, signEu), keyring)).not.toThrow();
    const stranger = createSigner('ap', generateRegionKeyPair().privateKey);
    expect(rejection(signEnvelope(merge, stranger))).toMatchObject({
      code: 'UNKNOWN_REGION',
      details: { field: 'meta.signedBy' },
    });
  });

  it('rejects unknown origins and unsigned envelopes', () => {
    const fromAp = factory.event({ type: 'Renamed', origin: 'ap' });
    const signed = signEnvelope(fromAp, createSigner('ap', generateRegionKeyPair().privateKey));
    expect(rejection(signed)).toMatchObject({
      code: 'UNKNOWN_REGION',
      details: { field: 'origin', region: 'ap' },
    });
    const { sig: _sig, ...unsigned } = signEnvelope(event, signUs);
    expect(rejection(unsigned as Envelope)).toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { reason: 'unsigned' },
    });
  });

  it('supports several keys per region (rotation) and dropping the old one', () => {
    const rotating = keyring.with('us', usNext.publicKey);
    const old = signEnvelope(event, signUs);
    const fresh = signEnvelope(event, createSigner('us', usNext.privateKey));
    expect(isSignatureValid(old, rotating)).toBe(true);
    expect(isSignatureValid(fresh, rotating)).toBe(true);
    expect(isSignatureValid(fresh, keyring)).toBe(false);
    const rotated = rotating.without('us', us.publicKey);
    expect(isSignatureValid(old, rotated)).toBe(false);
    expect(isSignatureValid(fresh, rotated)).toBe(true);
  });

  it('reads keys as PEM, raw base64url or SPKI DER; refuses non-Ed25519 keys', () => {
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const der = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const signer = createSigner('us', pair.privateKey);
    for (const key of [pem, der]) {
      expect(isSignatureValid(signEnvelope(event, signer), RegionKeyring.from({ us: key }))).toBe(
        true,
      );
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => RegionKeyring.from({ us: rsa })).toThrow(/Ed25519/);
    expect(() => RegionKeyring.from({ us: 'not a key' })).toThrow(ConcordError);
  });
});

describe('verifyEnvelopes (thread pool)', () => {
  it('verifies a batch concurrently, one result per envelope, in order', async () => {
    const good = signEnvelope(event, signUs);
    const forged = { ...good, data: { name: 'Eve' } };
    const wrongRegion = signEnvelope(event, signEu);
    const results = await verifyEnvelopes([good, forged, wrongRegion, good], keyring);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'SIGNATURE_INVALID',
      'SIGNATURE_INVALID',
      'ok',
    ]);
    await expect(verifyEnvelopeAsync(forged, keyring)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    await expect(
      verifyEnvelopeAsync(good, keyring.with('us', usNext.publicKey)),
    ).resolves.toBeUndefined();
  });
});
