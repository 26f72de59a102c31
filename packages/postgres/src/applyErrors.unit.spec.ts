import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcordError } from '@concord/core';
import { classifyApplyError } from './applyErrors.js';
import { mapPgError } from './pgErrors.js';

/** A pg DatabaseError as the driver raises it, and as inTransaction rethrows it. */
function pgError(code: string, constraint?: string) {
  const raw = Object.assign(new Error(`error ${code}`), {
    code,
    ...(constraint === undefined ? {} : { constraint }),
  });
  return { raw, mapped: mapPgError(raw) };
}

const sqlstate = (classPrefix: string) =>
  fc.stringMatching(/^[0-9A-Z]{3}$/).map((rest) => `${classPrefix}${rest}`);

describe('classifyApplyError', () => {
  it('isolates a record for data exceptions, integrity violations and program limits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('22', '23', '54').chain(sqlstate),
        fc.option(fc.constantFrom('cart_items_pkey', 'profiles_pkey')),
        (code, constraint) => {
          fc.pre(code !== '23505');
          for (const e of Object.values(pgError(code, constraint ?? undefined))) {
            expect(classifyApplyError(e)).toMatchObject({ kind: 'record', sqlstate: code });
          }
        },
      ),
    );
    expect(classifyApplyError(pgError('22P02').mapped)).toEqual({
      kind: 'record',
      sqlstate: '22P02',
    });
    expect(classifyApplyError(pgError('22003').raw).kind).toBe('record');
  });

  it('retries connection loss, serialization failures, deadlocks, lock timeouts, shutdowns', () => {
    for (const code of ['08006', '08003', '40001', '40P01', '55P03', '57P01', '57P03', '53300']) {
      for (const e of Object.values(pgError(code))) {
        expect(classifyApplyError(e)).toMatchObject({ kind: 'transient', sqlstate: code });
      }
    }
    expect(classifyApplyError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).kind).toBe(
      'transient',
    );
    expect(classifyApplyError(mapPgError(new Error('Connection terminated unexpectedly')))).toEqual(
      { kind: 'transient' },
    );
  });

  it('a unique violation is a lost race on a dedupe key, a bad record on any other key', () => {
    for (const e of Object.values(pgError('23505', 'events_pkey'))) {
      expect(classifyApplyError(e)).toEqual({
        kind: 'transient',
        sqlstate: '23505',
        constraint: 'events_pkey',
      });
    }
    expect(classifyApplyError(pgError('23505', 'profiles_pkey').mapped).kind).toBe('record');
    expect(classifyApplyError(pgError('23505').mapped).kind).toBe('record');
  });

  it('blames no record for errors of the code itself', () => {
    expect(classifyApplyError(pgError('42P01').mapped)).toEqual({
      kind: 'unknown',
      sqlstate: '42P01',
    });
    expect(classifyApplyError(pgError('XX000').mapped).kind).toBe('unknown');
    expect(classifyApplyError(new TypeError('x is undefined'))).toEqual({ kind: 'unknown' });
    expect(classifyApplyError(new ConcordError('INTERNAL', 'boom')).kind).toBe('unknown');
    expect(classifyApplyError(undefined)).toEqual({ kind: 'unknown' });
  });
});
