import { describe, expect, it } from 'vitest';
import { isConcordError } from '../errors/ConcordError.js';
import type { Envelope } from './Envelope.js';
import { mergeEventId, newEventId } from './ids.js';
import {
  parseEnvelope,
  parseUnsignedEnvelope,
  safeParseEnvelope,
  serializeEnvelope,
} from './parseEnvelope.js';

const PARENT_A = '01900000-0000-7000-8000-00000000000a';
const PARENT_B = '01900000-0000-7000-8000-00000000000b';
const SIG = `${'A'.repeat(85)}Q`;

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    id: '01900000-0000-7000-8000-000000000001',
    stream: 'account-42',
    type: 'Deposited',
    data: { amount: 10 },
    origin: 'us',
    hlc: { wall: 1_767_225_600_000, logical: 0 },
    parents: [PARENT_A],
    meta: { signedBy: 'us' },
    sig: SIG,
    ...overrides,
  };
}

function failure(input: unknown, options = {}) {
  const result = safeParseEnvelope(input, options);
  if (result.ok) throw new Error('expected the envelope to be rejected');
  return { code: result.error.code, field: result.error.details?.['field'] };
}

const accepts = (input: unknown) => expect(safeParseEnvelope(input).ok).toBe(true);

describe('parseEnvelope', () => {
  it('accepts a valid envelope from a value, a string and bytes', () => {
    const envelope = valid();
    expect(parseEnvelope(envelope)).toEqual(envelope);
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(parseEnvelope(new TextEncoder().encode(JSON.stringify(envelope)))).toEqual(envelope);
  });

  it('v: only 1', () => {
    expect(failure(valid({ v: 2 }))).toEqual({ code: 'ENVELOPE_INVALID', field: 'v' });
  });

  it('id: a lower-case UUIDv7 for written events, v5 for merges', () => {
    accepts(valid({ id: newEventId() }));
    expect(failure(valid({ id: '01900000-0000-7000-8000-00000000000G' })).field).toBe('id');
    expect(failure(valid({ id: '01900000-0000-7000-8000-00000000000A' })).field).toBe('id');
    expect(failure(valid({ id: mergeEventId('account-42', [PARENT_A, PARENT_B]) })).field).toBe(
      'id',
    );
    const merge = valid({
      type: 'concord.merge',
      id: mergeEventId('account-42', [PARENT_A, PARENT_B]),
      parents: [PARENT_A, PARENT_B],
    });
    accepts(merge);
    expect(failure({ ...merge, id: newEventId() }).field).toBe('id');
  });

  it('stream: 1–200 chars of the pattern', () => {
    accepts(valid({ stream: 'a' }));
    accepts(valid({ stream: 'a'.repeat(200) }));
    accepts(valid({ stream: 'A9._:@-x' }));
    expect(failure(valid({ stream: '' })).field).toBe('stream');
    expect(failure(valid({ stream: 'a'.repeat(201) })).field).toBe('stream');
    expect(failure(valid({ stream: '-a' })).field).toBe('stream');
    expect(failure(valid({ stream: 'a b' })).field).toBe('stream');
  });

  it('type: 1–100 chars of the pattern; concord.* reserved except concord.merge', () => {
    accepts(valid({ type: 'A' }));
    accepts(valid({ type: 'A'.repeat(100) }));
    expect(failure(valid({ type: '' })).field).toBe('type');
    expect(failure(valid({ type: 'A'.repeat(101) })).field).toBe('type');
    expect(failure(valid({ type: '9lives' })).field).toBe('type');
    expect(failure(valid({ type: 'concord.delete' })).field).toBe('type');
  });

  it('data: a JSON object, nested at most 64 deep', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 1; i < 64; i++) deep = { d: deep };
    accepts(valid({ data: deep }));
    expect(failure(valid({ data: { d: deep } })).field).toMatch(/^data(\.d)+$/);
    expect(failure(valid({ data: [] })).field).toBe('data');
    expect(failure(valid({ data: null })).field).toBe('data');
    expect(failure(valid({ data: { x: Number.NaN } })).field).toBe('data.x');
    expect(failure(valid({ data: { x: undefined } })).field).toBe('data.x');
    expect(failure(valid({ data: { ['\uD800']: 1 } })).field).toBe('data.\uD800');
  });

  it('origin: a region id of 1–32 chars', () => {
    accepts(valid({ origin: 'a' }));
    accepts(valid({ origin: 'a'.repeat(32) }));
    expect(failure(valid({ origin: 'a'.repeat(33) })).field).toBe('origin');
    expect(failure(valid({ origin: 'US' })).field).toBe('origin');
    expect(failure(valid({ origin: '1us' })).field).toBe('origin');
  });

  it('hlc: non-negative safe integers, no extra fields', () => {
    accepts(valid({ hlc: { wall: 0, logical: 0 } }));
    accepts(valid({ hlc: { wall: Number.MAX_SAFE_INTEGER, logical: Number.MAX_SAFE_INTEGER } }));
    expect(failure(valid({ hlc: { wall: -1, logical: 0 } })).field).toBe('hlc.wall');
    expect(failure(valid({ hlc: { wall: 1.5, logical: 0 } })).field).toBe('hlc.wall');
    expect(failure(valid({ hlc: { wall: 0, logical: -1 } })).field).toBe('hlc.logical');
    expect(failure(valid({ hlc: { wall: Number.MAX_SAFE_INTEGER + 1, logical: 0 } })).field).toBe(
      'hlc.wall',
    );
    expect(failure(valid({ hlc: { wall: 0, logical: 0, extra: 1 } })).field).toBe('hlc.extra');
  });

  it('parents: sorted unique UUIDs, not itself', () => {
    accepts(valid({ parents: [] }));
    accepts(valid({ parents: [PARENT_A, PARENT_B] }));
    expect(failure(valid({ parents: [PARENT_B, PARENT_A] })).field).toBe('parents.1');
    expect(failure(valid({ parents: [PARENT_A, PARENT_A] })).field).toBe('parents.1');
    expect(failure(valid({ parents: ['nope'] })).field).toBe('parents.0');
    const self = valid();
    expect(failure({ ...self, parents: [self['id']] }).field).toBe('parents');
  });

  it('causedBy: optional UUID, not itself', () => {
    accepts(valid({ causedBy: PARENT_B }));
    expect(failure(valid({ causedBy: 'x' })).field).toBe('causedBy');
    const self = valid();
    expect(failure({ ...self, causedBy: self['id'] }).field).toBe('causedBy');
  });

  it('idempotencyKey: 1–200 characters (code points)', () => {
    accepts(valid({ idempotencyKey: 'k' }));
    accepts(valid({ idempotencyKey: 'k'.repeat(200) }));
    accepts(valid({ idempotencyKey: '😀'.repeat(200) }));
    expect(failure(valid({ idempotencyKey: '' })).field).toBe('idempotencyKey');
    expect(failure(valid({ idempotencyKey: 'k'.repeat(201) })).field).toBe('idempotencyKey');
    expect(failure(valid({ idempotencyKey: '😀'.repeat(201) })).field).toBe('idempotencyKey');
  });

  it('meta: a JSON object; signedBy a region id', () => {
    accepts(valid({ meta: { signedBy: 'eu', traceparent: '00-abc', actor: { id: 1 } } }));
    expect(failure(valid({ meta: 'x' })).field).toBe('meta');
    expect(failure(valid({ meta: { signedBy: 'EU' } })).field).toBe('meta.signedBy');
  });

  it('sig: 64 bytes of unpadded base64url; required when signed, forbidden when unsigned', () => {
    expect(failure(valid({ sig: `${'A'.repeat(85)}B` })).field).toBe('sig');
    expect(failure(valid({ sig: `${'A'.repeat(86)}=` })).field).toBe('sig');
    expect(failure(valid({ sig: 'A'.repeat(87) })).field).toBe('sig');
    const { sig: _sig, ...unsigned } = valid();
    expect(failure(unsigned).field).toBe('sig');
    expect(parseUnsignedEnvelope(unsigned)).toEqual(unsigned);
    expect(() => parseUnsignedEnvelope(valid())).toThrow(/sig/);
  });

  it('rejects unknown fields and non-JSON input, naming the field', () => {
    expect(failure(valid({ extra: 1 })).field).toBe('extra');
    expect(failure('{not json')).toEqual({ code: 'ENVELOPE_INVALID', field: '$' });
    expect(failure(new Uint8Array([0xff, 0xfe]))).toEqual({ code: 'ENVELOPE_INVALID', field: '$' });
  });

  it('size: at most maxBytes serialized, exact at the edge (default 256 KiB)', () => {
    const base = valid({ data: { pad: '' } });
    const baseSize = Buffer.byteLength(serializeEnvelope(base as unknown as Envelope));
    const fill = (bytes: number) => valid({ data: { pad: 'x'.repeat(bytes - baseSize) } });
    expect(Buffer.byteLength(serializeEnvelope(fill(262_144) as unknown as Envelope))).toBe(
      262_144,
    );
    accepts(fill(262_144));
    accepts(JSON.stringify(fill(262_144)));
    expect(failure(fill(262_145))).toEqual({ code: 'ENVELOPE_TOO_LARGE', field: '$' });
    expect(failure(JSON.stringify(fill(262_145)))).toEqual({
      code: 'ENVELOPE_TOO_LARGE',
      field: '$',
    });
    expect(failure(fill(1001), { maxBytes: 1000 }).code).toBe('ENVELOPE_TOO_LARGE');
    expect(safeParseEnvelope(fill(1000), { maxBytes: 1000 }).ok).toBe(true);
  });

  it('throws ConcordError with a stable code and the field', () => {
    try {
      parseEnvelope(valid({ origin: 'X' }));
      expect.unreachable();
    } catch (error) {
      expect(isConcordError(error, 'ENVELOPE_INVALID')).toBe(true);
      expect((error as { details: unknown }).details).toEqual({ field: 'origin' });
      expect((error as { retriable: boolean }).retriable).toBe(false);
    }
  });
});
