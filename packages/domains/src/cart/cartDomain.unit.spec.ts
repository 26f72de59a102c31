import { domainSpec, foldStream, TestEventFactory } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { CART_EVENTS, cartDomain, cartLines } from './cartDomain.js';

const spec = domainSpec(cartDomain, { stream: 'cart-7' });
const add = (sku: string, quantity = 1) => ({
  type: CART_EVENTS.itemAdded,
  data: { sku, quantity },
});

describe('cart domain', () => {
  it('adds and removes observed tags', () => {
    const given = spec.given(add('apple', 2), add('pear'));
    const tags = given.events.map((e) => e.id);
    given
      .when({ type: CART_EVENTS.itemRemoved, data: { sku: 'apple', observed: [tags[0]!] } })
      .then((state) => {
        expect(cartLines(state)).toEqual([{ sku: 'pear', quantity: 1 }]);
      });
  });

  it('prepare fills `observed` from the current state and rejects bad commands', () => {
    const given = spec.given(add('apple', 2), add('apple', 1));
    const tags = given.events.map((e) => e.id).sort();
    given
      .prepare({ type: CART_EVENTS.itemRemoved, data: { sku: 'apple' } })
      .then({ sku: 'apple', observed: tags });
    given
      .prepare({ type: CART_EVENTS.itemRemoved, data: { sku: 'kiwi' } })
      .rejects('DOMAIN_REJECTED');
    given
      .prepare({ type: CART_EVENTS.itemAdded, data: { sku: 'kiwi', quantity: 0 } })
      .rejects('DOMAIN_REJECTED');
    given
      .prepare({ type: CART_EVENTS.itemAdded, data: { sku: 'kiwi', quantity: 1.5 } })
      .rejects('DOMAIN_REJECTED');
    given.prepare({ type: 'Emptied' }).rejects('DOMAIN_REJECTED');
  });

  it('add wins: an add concurrent with a remove survives it, in any fold order', () => {
    const f = new TestEventFactory({ stream: 'cart-7' });
    const first = f.event(add('apple', 2));
    // us removes what it saw (the first add); eu concurrently adds one more apple.
    const remove = f.event({
      type: CART_EVENTS.itemRemoved,
      data: { sku: 'apple', observed: [first.id] },
      parents: [first.id],
      origin: 'us',
    });
    const concurrentAdd = f.event({ ...add('apple', 1), parents: [first.id], origin: 'eu' });
    for (const hlcs of [
      [5, 9],
      [9, 5],
    ]) {
      const r = { ...remove, hlc: { wall: hlcs[0]!, logical: 0 } };
      const a = { ...concurrentAdd, hlc: { wall: hlcs[1]!, logical: 0 } };
      const fold = foldStream([first, r, a], cartDomain.reducer);
      expect(cartLines(fold.state)).toEqual([{ sku: 'apple', quantity: 1 }]);
    }
    spec
      .given(add('apple', 2))
      .concurrently(
        [{ type: CART_EVENTS.itemRemoved, data: { sku: 'apple', observed: [] } }],
        [add('apple')],
      )
      .thenConflict((conflict) => expect(conflict?.contestedFields).toEqual(['/items/apple']));
  });

  it('concurrent adds of the same sku add up; the merge changes nothing', () => {
    spec
      .given(add('apple'))
      .concurrently([add('apple', 2)], [add('apple', 3)])
      .thenState((state) => expect(cartLines(state)).toEqual([{ sku: 'apple', quantity: 6 }]))
      .thenConflict((conflict) => expect(conflict?.contestedFields).toEqual([]))
      .thenMerged((state) => expect(cartLines(state)).toEqual([{ sku: 'apple', quantity: 6 }]));
  });
});
