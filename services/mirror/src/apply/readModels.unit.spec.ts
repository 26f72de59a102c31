import { describe, expect, it } from 'vitest';
import { DomainRegistry, withWriteVersions } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { readModelRows } from './readModels.js';
import { accountDomain, cartDomain, profileDomain } from '@concord/domains';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';

describe('read models', () => {
  it('derive balances, cart lines and profiles from the shipped domains only', () => {
    const registry = new DomainRegistry(defaultDomains);
    const rows = readModelRows(
      [
        {
          stream: 'account-1',
          category: 'account',
          state: { open: true, balance: 70, bounced: [{ id: A, amount: 5 }], compensations: [] },
        },
        {
          stream: 'cart-1',
          category: 'cart',
          state: { items: { b: { [A]: 2, [B]: 1 }, a: { [C]: 4 } } },
        },
        { stream: 'profile-1', category: 'profile', state: { name: 'Ada' } },
        { stream: 'note-1', category: 'note', state: { x: 1 } },
      ],
      registry,
      { account: accountDomain, cart: cartDomain, profile: profileDomain },
    );
    expect(rows).toEqual({
      balances: [{ stream: 'account-1', balance: '70', bounced: 1 }],
      carts: ['cart-1'],
      cartLines: [
        { stream: 'cart-1', sku: 'a', quantity: '4' },
        { stream: 'cart-1', sku: 'b', quantity: '3' },
      ],
      profiles: [{ stream: 'profile-1', doc: { name: 'Ada' } }],
    });
    const account = [
      { stream: 'account-1', category: 'account', state: { balance: 1, bounced: [] } },
    ];
    // A deployment with its own `account` module (its own reducer) gets no balances from Concord.
    const own = { ...accountDomain, reducer: { ...accountDomain.reducer } };
    expect(
      readModelRows(account, new DomainRegistry([own as never]), { account: accountDomain })
        .balances,
    ).toEqual([]);
    // The shipped module with raised write versions is the same reducer and state: served.
    const raised = withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 });
    expect(
      readModelRows(account, new DomainRegistry([raised as never]), { account: accountDomain })
        .balances,
    ).toEqual([{ stream: 'account-1', balance: '1', bounced: 0 }]);
  });
});
