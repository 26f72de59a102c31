import { describe, expect, it } from 'vitest';
import { DomainRegistry, withWriteVersions } from '@concord/core';
import { accountDomain, defaultDomains, defaultReadModels } from '@concord/domains';
import { readModelEntries } from './readModels.js';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';

/** The entries by read model name (what `persistStreamChanges` writes). */
function byName(entries: ReturnType<typeof readModelEntries>) {
  return Object.fromEntries(entries.map((e) => [e.model.name, e.entries]));
}

describe('read models', () => {
  it('derive balances, cart lines and profiles from the shipped domains only', () => {
    const registry = new DomainRegistry(defaultDomains);
    const rows = readModelEntries(
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
      defaultReadModels,
    );
    // In registration order: balances, cart lines, profiles.
    expect(rows.map((r) => r.model.name)).toEqual(['account_balances', 'cart_items', 'profiles']);
    expect(byName(rows)).toEqual({
      account_balances: [{ stream: 'account-1', row: { balance: '70', bounced: 1 } }],
      cart_items: [
        {
          stream: 'cart-1',
          row: [
            { sku: 'a', quantity: '4' },
            { sku: 'b', quantity: '3' },
          ],
        },
      ],
      profiles: [{ stream: 'profile-1', row: { name: 'Ada' } }],
    });
    const account = [
      { stream: 'account-1', category: 'account', state: { balance: 1, bounced: [] } },
    ];
    // A deployment with its own `account` module (its own reducer) gets no balances from Concord.
    const own = { ...accountDomain, reducer: { ...accountDomain.reducer } };
    expect(
      readModelEntries(account, new DomainRegistry([own as never]), defaultReadModels),
    ).toEqual([]);
    // The shipped module with raised write versions is the same reducer and state: served.
    const raised = withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 });
    expect(
      byName(readModelEntries(account, new DomainRegistry([raised as never]), defaultReadModels))
        .account_balances,
    ).toEqual([{ stream: 'account-1', row: { balance: '1', bounced: 0 } }]);
  });
});
