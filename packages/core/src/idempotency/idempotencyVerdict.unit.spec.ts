import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyVerdict } from './idempotencyVerdict.js';

const hash = fc.constantFrom('h1', 'h2', 'h3');
const record = fc.record({ payloadHash: hash, event: fc.integer() });
const sources = fc.array(fc.option(record, { nil: undefined }), { maxLength: 5 });

describe('idempotencyVerdict', () => {
  it('is new exactly when no source knows the key', () => {
    fc.assert(
      fc.property(hash, sources, (h, earlier) => {
        const verdict = idempotencyVerdict(h, earlier);
        expect(verdict.kind === 'new').toBe(earlier.every((r) => r === undefined));
      }),
    );
  });

  it('answers with the first known event: a duplicate for the same hash, a reuse for another', () => {
    fc.assert(
      fc.property(hash, sources, (h, earlier) => {
        const first = earlier.find((r) => r !== undefined);
        fc.pre(first !== undefined);
        expect(idempotencyVerdict(h, earlier)).toEqual({
          kind: first.payloadHash === h ? 'duplicate' : 'reused',
          event: first.event,
        });
      }),
    );
  });

  it('never lets a later source overrule an earlier one', () => {
    fc.assert(
      fc.property(hash, record, sources, sources, (h, truth, before, after) => {
        const unknown = before.map(() => undefined);
        expect(idempotencyVerdict(h, [...unknown, truth, ...after])).toEqual(
          idempotencyVerdict(h, [truth]),
        );
      }),
    );
  });

  it('the projection wins over a disagreeing own event and Redis record', () => {
    const projection = { payloadHash: 'h1', event: 'projected' };
    const own = { payloadHash: 'h2', event: 'own' };
    expect(idempotencyVerdict('h1', [projection, own, own])).toEqual({
      kind: 'duplicate',
      event: 'projected',
    });
    expect(idempotencyVerdict('h2', [projection, own, own])).toEqual({
      kind: 'reused',
      event: 'projected',
    });
    expect(idempotencyVerdict('h2', [undefined, own])).toEqual({ kind: 'duplicate', event: 'own' });
    expect(idempotencyVerdict('h2', [undefined, undefined, undefined])).toEqual({ kind: 'new' });
  });
});
