import { describe, expect, it } from 'vitest';
import { notifyPayload } from '../apply/applyRound.js';
import { DLQ_HEADERS, dlqOutboxRow, MAX_DLQ_VALUE_BYTES, storableText } from './dlqRecord.js';

describe('DLQ records', () => {
  it('hold only text Postgres can store: U+0000 and lone surrogates are escaped; the SQLSTATE is a header', () => {
    expect(storableText('a\u0000b\ud800c\udfffd\ud83d\ude00')).toBe(
      'a\\u0000b\\ud800c\\udfffd\ud83d\ude00',
    );
    const row = dlqOutboxRow({
      rejection: {
        code: 'APPLY_REFUSED',
        message: 'x',
        field: 'data.a\u0000b',
        reason: 'store-refused',
        sqlstate: '22P05',
      },
      region: 'eu',
      topic: 't',
      partition: 0,
      offset: 1n,
      key: null,
      value: null,
      headers: { 'x-nul': Buffer.from([0x61, 0x00]) },
    });
    expect(row.headers).toMatchObject({
      'x-nul': 'a\\u0000',
      [DLQ_HEADERS.field]: 'data.a\\u0000b',
      [DLQ_HEADERS.sqlstate]: '22P05',
    });
  });

  it('carry the rejection and the source position in headers, keep the original headers', () => {
    const row = dlqOutboxRow({
      rejection: { code: 'SIGNATURE_INVALID', message: 'nope', reason: 'bad-signature' },
      region: 'eu',
      topic: 'ns.events.us',
      partition: 3,
      offset: 42n,
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: { traceparent: Buffer.from('00-abc'), [DLQ_HEADERS.code]: 'forged' },
      now: new Date('2026-11-26T00:00:00Z'),
    });
    expect(row).toEqual({
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      reason: 'SIGNATURE_INVALID',
      headers: {
        traceparent: '00-abc',
        [DLQ_HEADERS.code]: 'SIGNATURE_INVALID',
        [DLQ_HEADERS.reason]: 'bad-signature',
        [DLQ_HEADERS.message]: 'nope',
        [DLQ_HEADERS.region]: 'eu',
        [DLQ_HEADERS.at]: '2026-11-26T00:00:00.000Z',
        [DLQ_HEADERS.sourceTopic]: 'ns.events.us',
        [DLQ_HEADERS.sourcePartition]: '3',
        [DLQ_HEADERS.sourceOffset]: '42',
        [DLQ_HEADERS.originalSize]: '1',
      },
    });
  });

  it('cut values larger than 1 MiB (the source position locates the whole record)', () => {
    const row = dlqOutboxRow({
      rejection: { code: 'ENVELOPE_TOO_LARGE', message: 'big', field: '$' },
      region: 'us',
      topic: 't',
      partition: 0,
      offset: 1n,
      key: null,
      value: Buffer.alloc(10 * 1024 * 1024, 1),
    });
    expect(row.value?.length).toBe(MAX_DLQ_VALUE_BYTES);
    expect(row.headers[DLQ_HEADERS.truncated]).toBe('true');
    expect(row.headers[DLQ_HEADERS.originalSize]).toBe(String(10 * 1024 * 1024));
    expect(row.headers[DLQ_HEADERS.field]).toBe('$');
  });
});

describe('concord_applied notifications', () => {
  it('name the streams, or null when they would not fit in a NOTIFY payload', () => {
    expect(JSON.parse(notifyPayload('us', 3, ['b', 'a', 'b']))).toEqual({
      region: 'us',
      count: 3,
      streams: ['a', 'b'],
    });
    const many = Array.from({ length: 500 }, (_, i) => `stream-with-a-long-name-${i}`);
    const payload = notifyPayload('us', 500, many);
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(JSON.parse(payload)).toEqual({ region: 'us', count: 500, streams: null });
  });
});
