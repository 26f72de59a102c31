import { describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import { parseAppendCommand } from './AppendCommand.js';
import { payloadHash } from './payloadHash.js';

const id = '019b76da-a800-7720-9da1-52f92ab27369';
const other = '019b76da-bb88-7648-8e3a-88348b63929e';

function failure(input: Parameters<typeof parseAppendCommand>[0]) {
  try {
    parseAppendCommand(input);
    return undefined;
  } catch (error) {
    if (!isConcordError(error)) throw error;
    return { code: error.code, field: error.details?.field };
  }
}

describe('parseAppendCommand', () => {
  it('accepts a full request and normalises expected heads to a sorted set', () => {
    expect(
      parseAppendCommand({
        stream: 'account:42@eu.x_y-z',
        body: {
          type: 'Deposited',
          data: { amount: 5 },
          idempotencyKey: 'k-1',
          expectedHeads: [other, id, other],
          causedBy: id,
        },
      }),
    ).toEqual({
      stream: 'account:42@eu.x_y-z',
      type: 'Deposited',
      data: { amount: 5 },
      idempotencyKey: 'k-1',
      expectedHeads: [id, other],
      causedBy: id,
    });
  });

  it('takes the key from the header, and refuses a header that disagrees with the body', () => {
    expect(
      parseAppendCommand({ stream: 's', body: { type: 'T', data: {} }, headerKey: 'h' })
        .idempotencyKey,
    ).toBe('h');
    expect(
      failure({ stream: 's', body: { type: 'T', data: {}, idempotencyKey: 'b' }, headerKey: 'h' }),
    ).toEqual({ code: 'VALIDATION_FAILED', field: 'Idempotency-Key' });
  });

  it.each([
    ['a stream with a bad first character', { stream: '-s' }, 'stream'],
    ['a stream with unicode', { stream: 'stréam' }, 'stream'],
    ['a stream of 201 characters', { stream: 'a'.repeat(201) }, 'stream'],
    ['a missing type', { body: { data: {} } }, 'type'],
    ['a type with a space', { body: { type: 'a b', data: {} } }, 'type'],
    ['data that is an array', { body: { type: 'T', data: [] } }, 'data'],
    ['data that is null', { body: { type: 'T', data: null } }, 'data'],
    ['a lone surrogate in data', { body: { type: 'T', data: { x: '\ud800' } } }, 'data.x'],
    ['an empty key', { body: { type: 'T', data: {}, idempotencyKey: '' } }, 'idempotencyKey'],
    [
      'a key of 201 code points',
      { body: { type: 'T', data: {}, idempotencyKey: '😀'.repeat(201) } },
      'idempotencyKey',
    ],
    [
      'expected heads that are not ids',
      { body: { type: 'T', data: {}, expectedHeads: ['x'] } },
      'expectedHeads.0',
    ],
    [
      'an upper-case causedBy',
      { body: { type: 'T', data: {}, causedBy: id.toUpperCase() } },
      'causedBy',
    ],
    ['an unknown field', { body: { type: 'T', data: {}, extra: 1 } }, 'extra'],
    ['a body that is not an object', { body: 'text' }, 'body'],
  ])('refuses %s', (_what, change, field) => {
    const input = { stream: 's-1', body: { type: 'T', data: {} }, ...change };
    expect(failure(input)).toEqual({ code: 'VALIDATION_FAILED', field });
  });

  it('accepts a key of 200 code points (400 UTF-16 units)', () => {
    expect(
      parseAppendCommand({
        stream: 's',
        body: { type: 'T', data: {}, idempotencyKey: '😀'.repeat(200) },
      }).idempotencyKey,
    ).toHaveLength(400);
  });

  it('refuses nesting deeper than 64', () => {
    let data: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) data = { d: data };
    expect(failure({ stream: 's', body: { type: 'T', data } })?.code).toBe('VALIDATION_FAILED');
  });

  it('refuses the reserved concord. types with RESERVED_TYPE', () => {
    expect(failure({ stream: 's', body: { type: 'concord.merge', data: {} } })).toEqual({
      code: 'RESERVED_TYPE',
      field: 'type',
    });
  });

  it('takes the stream from the item in a batch, and only there', () => {
    expect(
      parseAppendCommand({
        stream: 'b-1',
        body: { stream: 'b-1', type: 'T', data: {} },
        batchItem: true,
      }).stream,
    ).toBe('b-1');
    expect(failure({ stream: 'b-1', body: { stream: 'b-1', type: 'T', data: {} } })?.field).toBe(
      'stream',
    );
  });
});

describe('payloadHash', () => {
  it('ignores key order and an absent causedBy, and covers type, data and causedBy', () => {
    const base = payloadHash({ type: 'T', data: { a: 1, b: [1, { c: 2 }] } });
    expect(payloadHash({ type: 'T', data: { b: [1, { c: 2 }], a: 1 }, causedBy: undefined })).toBe(
      base,
    );
    expect(payloadHash({ type: 'U', data: { a: 1, b: [1, { c: 2 }] } })).not.toBe(base);
    expect(payloadHash({ type: 'T', data: { a: 2, b: [1, { c: 2 }] } })).not.toBe(base);
    expect(payloadHash({ type: 'T', data: { a: 1, b: [1, { c: 2 }] }, causedBy: id })).not.toBe(
      base,
    );
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
