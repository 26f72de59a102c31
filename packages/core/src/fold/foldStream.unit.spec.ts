import { describe, expect, it } from 'vitest';
import { mergePatchReducer } from '../domain/mergePatchDomain.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import { foldOrder } from './foldOrder.js';
import { foldStream } from './foldStream.js';
import { recomputeFrom } from './recomputeFrom.js';
import { stablePrefixLength } from './stablePrefixLength.js';
import { StreamProjection } from './StreamProjection.js';

const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);

describe('fold order', () => {
  it('is topological, ties broken by (wall, logical, origin, id)', () => {
    const f = new TestEventFactory({ stream: 'p-1' });
    const root = f.event({ type: 'Set', data: { a: 1 }, hlc: { wall: 100, logical: 0 } });
    // A child with an hlc *lower* than a concurrent event still comes after its parent.
    const late = f.event({
      type: 'Set',
      parents: [root.id],
      hlc: { wall: 300, logical: 0 },
      origin: 'us',
    });
    const child = f.event({ type: 'Set', parents: [late.id], hlc: { wall: 301, logical: 0 } });
    const concurrentEu = f.event({
      type: 'Set',
      parents: [root.id],
      hlc: { wall: 300, logical: 0 },
      origin: 'eu',
    });
    const concurrentLow = f.event({
      type: 'Set',
      parents: [root.id],
      hlc: { wall: 200, logical: 5 },
      origin: 'zz',
    });
    const order = foldOrder([child, concurrentEu, late, root, concurrentLow]);
    expect(ids(order)).toEqual(ids([root, concurrentLow, concurrentEu, late, child]));
  });

  it('refuses a set that is not causally closed', () => {
    const f = new TestEventFactory();
    const a = f.event({ type: 'Set' });
    const b = f.event({ type: 'Set' });
    expect(() => foldStream([b], mergePatchReducer)).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        details: expect.objectContaining({ reason: 'causal-gap' }),
      }),
    );
    expect(foldStream([b, a], mergePatchReducer).heads).toEqual([b.id]);
  });
});

describe('foldStream', () => {
  it('applies merge patches per field in fold order, last writer wins', () => {
    const f = new TestEventFactory({ stream: 'profile-1' });
    const root = f.event({ type: 'Set', data: { name: 'Ada', city: 'Paris' } });
    const us = f.event({ type: 'Set', data: { name: 'Ada L.' }, parents: [root.id], origin: 'us' });
    const eu = f.event({
      type: 'Set',
      data: { name: 'Ada K.', city: null },
      parents: [root.id],
      origin: 'eu',
    });
    const fold = foldStream([eu, us, root], mergePatchReducer);
    // Same wall is impossible here (factory increments), so eu (later) wins name.
    expect(fold.state).toEqual({ name: 'Ada K.' });
    expect(fold.heads).toEqual([us.id, eu.id].sort());
    expect(fold.version).toBe(3);
  });

  it('makes repeated idempotency keys no-ops: the first in fold order takes effect', () => {
    const f = new TestEventFactory({ stream: 'profile-1' });
    const root = f.event({ type: 'Set', data: { n: 0 } });
    const first = f.event({
      type: 'Set',
      data: { n: 1 },
      idempotencyKey: 'k',
      parents: [root.id],
      hlc: { wall: 10, logical: 0 },
    });
    const second = f.event({
      type: 'Set',
      data: { n: 2 },
      idempotencyKey: 'k',
      parents: [root.id],
      hlc: { wall: 5, logical: 0 },
    });
    const fold = foldStream([first, second, root], mergePatchReducer);
    // `second` has the smaller hlc, so it comes first in fold order and takes the key.
    expect(fold.state).toEqual({ n: 2 });
    expect(fold.noops).toEqual([first.id]);
    expect(fold.idempotencyKeys.get('k')).toBe(second.id);
  });
});

describe('incremental fold', () => {
  it('fast path when the new event follows the last one; slow path from a valid snapshot otherwise', () => {
    const f = new TestEventFactory({ stream: 'p-1' });
    const projection = new StreamProjection('p-1', mergePatchReducer, { checkpointEvery: 2 });
    const chain = f.chain(
      ...Array.from({ length: 6 }, (_, i) => ({ type: 'Set', data: { [`k${i}`]: i } })),
    );
    const update = projection.apply(chain);
    expect(update).toMatchObject({ fastPath: 6, recomputedFrom: undefined });
    // A late event concurrent with chain[3..5]: its parent chain[2] is at position 2.
    const late = f.event({
      type: 'Set',
      data: { k5: 'late' },
      parents: [chain[2]!.id],
      hlc: { wall: 1, logical: 0 },
    });
    expect(stablePrefixLength([late], (id) => projection.positionOf(id), projection.version)).toBe(
      3,
    );
    const slow = projection.apply([late]);
    expect(slow.fastPath).toBe(0);
    expect(slow.recomputedFrom).toBe(2);
    expect(projection.toFold().state).toEqual(
      foldStream([...chain, late], mergePatchReducer).state,
    );
    expect(ids(projection.events())).toEqual(
      ids(foldStream([...chain, late], mergePatchReducer).order),
    );
  });

  it('recomputeFrom: the mirror protocol from a stored snapshot', () => {
    const f = new TestEventFactory({ stream: 'p-1' });
    const events = f.chain(...Array.from({ length: 5 }, (_, i) => ({ type: 'Set', data: { i } })));
    const full = foldStream(events, mergePatchReducer, { checkpointEvery: 2 });
    const extra = f.event({ type: 'Set', data: { x: 1 }, parents: [events[1]!.id], origin: 'ap' });
    const positions = new Map(full.order.map((e, i) => [e.id, i]));
    const bound = stablePrefixLength([extra], (id) => positions.get(id), full.version);
    expect(bound).toBe(2);
    const snapshot = full.checkpoints.filter((c) => c.position <= bound).at(-1)!;
    const result = recomputeFrom({
      stream: 'p-1',
      reducer: mergePatchReducer,
      snapshot,
      suffix: full.order.slice(snapshot.position),
      added: [extra],
      heads: full.heads,
      checkpointEvery: 2,
    });
    const scratch = foldStream([...events, extra], mergePatchReducer, { checkpointEvery: 2 });
    expect(result.state).toEqual(scratch.state);
    expect(result.heads).toEqual(scratch.heads);
    expect(ids(result.order)).toEqual(ids(scratch.order.slice(snapshot.position)));
    expect(result.checkpoints).toEqual(
      scratch.checkpoints.filter((c) => c.position > snapshot.position),
    );
  });
});
