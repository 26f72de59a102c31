import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAppliedRecord } from './appliedRecord.js';
import { envelopeOf, feedRecordOf } from '../testing/appliedRecords.fixtures.js';

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const envelope = fc.record({
  v: fc.constant(1),
  id: fc.uuid(),
  stream: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/),
  type: fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,20}$/),
  // As JSON text can carry it: fc.jsonValue() also yields -0, which JSON writes as 0.
  data: fc.dictionary(
    fc.string(),
    fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
  ),
  origin: token,
  hlc: fc.record({ wall: fc.nat(), logical: fc.nat() }),
  parents: fc.array(fc.uuid(), { maxLength: 3 }),
  meta: fc.dictionary(fc.string(), fc.string()),
  sig: fc.constant('A'.repeat(86)),
});

describe('parseAppliedRecord', () => {
  it('reads the event of a record the mirror publishes', () => {
    const parsed = parseAppliedRecord(
      feedRecordOf(envelopeOf('e1'), { offset: '7', seq: '42' }),
      'eu',
    );
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        id: 'e1',
        stream: 'account-1',
        type: 'Deposited',
        data: { amount: 5 },
        region: 'eu',
        appliedSeq: '42',
        offset: '7',
        partition: 0,
      },
    });
  });

  it('refuses records whose headers, key or value are wrong', () => {
    const good = feedRecordOf(envelopeOf('e1'));
    const reason = (record: Parameters<typeof parseAppliedRecord>[0], region?: string) => {
      const parsed = parseAppliedRecord(record, region);
      return parsed.ok ? 'ok' : parsed.reason;
    };
    expect(reason({ ...good, value: Buffer.from('{nope') })).toBe('value is not JSON');
    expect(reason({ ...good, value: null })).toBe('value is empty');
    expect(reason({ ...good, headers: { ...good.headers, 'concord-applied-seq': '01' } })).toMatch(
      /concord-applied-seq/,
    );
    expect(reason({ ...good, headers: { ...good.headers, id: 'other' } })).toMatch(/disagrees/);
    expect(reason({ ...good, key: 'account-2' })).toBe('key is not the envelope stream');
    expect(reason(good, 'us')).toBe('record of region eu, not us');
    expect(reason(feedRecordOf(envelopeOf('e1', { v: 2 })))).toBe('envelope version is not 1');
    expect(reason(feedRecordOf(envelopeOf('e1', { hlc: { wall: -1, logical: 0 } })))).toBe(
      'envelope hlc is invalid',
    );
  });

  it('property: a published envelope parses back to itself, with its headers', () => {
    fc.assert(
      fc.property(envelope, fc.bigInt({ min: 1n, max: 2n ** 62n }), (env, seq) => {
        const parsed = parseAppliedRecord(feedRecordOf(env, { seq: seq.toString() }), 'eu');
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.event.envelope).toEqual(env);
        expect(parsed.event.appliedSeq).toBe(seq.toString());
        expect(parsed.event).toMatchObject({ id: env.id, stream: env.stream, type: env.type });
      }),
    );
  });

  it('property: any bytes and headers give a verdict, never an exception', () => {
    fc.assert(
      fc.property(
        fc.option(fc.uint8Array({ maxLength: 200 })),
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant(undefined))),
        fc.option(fc.string()),
        (value, headers, key) => {
          const parsed = parseAppliedRecord({
            topic: 't',
            partition: 0,
            offset: '0',
            key,
            value: value === null ? null : Buffer.from(value),
            headers,
          });
          expect(typeof parsed.ok).toBe('boolean');
        },
      ),
    );
  });

  it('property: one changed header makes a record malformed', () => {
    fc.assert(
      fc.property(
        envelope,
        fc.constantFrom('id', 'origin', 'type', 'stream'),
        fc.string({ minLength: 1 }),
        (env, header, other) => {
          const record = feedRecordOf(env);
          fc.pre(other !== String((env as Record<string, unknown>)[header]));
          const parsed = parseAppliedRecord({
            ...record,
            headers: { ...record.headers, [header]: other },
          });
          expect(parsed.ok).toBe(false);
        },
      ),
    );
  });
});
