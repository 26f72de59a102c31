import { describe, expect, it } from 'vitest';
import type { ReadModel, SqlWrite } from '@concord/core';
import {
  accountDomain,
  accountReadModel,
  cartDomain,
  cartReadModel,
  defaultDomains,
  defaultReadModels,
  profileDomain,
  profileReadModel,
} from './index.js';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';

/** Each write's table, SQL text and parameters, as `executeWrites` would number them. */
function render(writes: readonly SqlWrite[]) {
  return writes.map((w) => {
    const params: unknown[] = [];
    const sql = w.sql((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return { table: w.table, sql, params };
  });
}

describe('the shipped read models', () => {
  it('are declared by their modules, one per shipped domain, on tables of their own', () => {
    expect(defaultReadModels.map((m) => [m.name, m.module.category, m.tables])).toEqual([
      ['account_balances', 'account', ['account_balances']],
      ['cart_items', 'cart', ['cart_items']],
      ['profiles', 'profile', ['profiles']],
    ]);
    expect(defaultReadModels.map((m) => m.module)).toEqual(defaultDomains);
    expect(accountReadModel.module).toBe(accountDomain);
    expect(cartReadModel.module).toBe(cartDomain);
    expect(profileReadModel.module).toBe(profileDomain);
    for (const model of defaultReadModels as readonly ReadModel[]) {
      expect(model.writes('"projection"', [])).toEqual([]);
    }
  });

  it('account_balances: the balance as a numeric string and the number of bounces', () => {
    const state = { open: true, balance: 70, bounced: [{ id: A, amount: 5 }], compensations: [] };
    const row = accountReadModel.rowOf(state);
    expect(row).toEqual({ balance: '70', bounced: 1 });
    const [write, ...more] = render(accountReadModel.writes('"p"', [{ stream: 'account-1', row }]));
    expect(more).toEqual([]);
    expect(write!.table).toBe('account_balances');
    expect(write!.sql).toContain('insert into "p".account_balances');
    expect(write!.params).toEqual([['account-1'], ['70'], [1]]);
  });

  it('cart_items: replaces the lines of each cart (delete the gone, upsert the rest)', () => {
    const row = cartReadModel.rowOf({ items: { b: { [A]: 2, [B]: 1 }, a: {} } });
    expect(row).toEqual([
      { sku: 'a', quantity: '0' },
      { sku: 'b', quantity: '3' },
    ]);
    const writes = render(
      cartReadModel.writes('"p"', [
        { stream: 'cart-1', row },
        { stream: 'cart-2', row: [] },
      ]),
    );
    expect(writes.map((w) => w.table)).toEqual(['cart_items', 'cart_items']);
    expect(writes[0]!.sql).toContain('delete from "p".cart_items');
    expect(writes[0]!.params).toEqual([
      ['cart-1', 'cart-2'],
      ['cart-1', 'cart-1'],
      ['a', 'b'],
    ]);
    expect(writes[1]!.sql).toContain('insert into "p".cart_items');
    expect(writes[1]!.params).toEqual([
      ['cart-1', 'cart-1'],
      ['a', 'b'],
      ['0', '3'],
    ]);
    // Carts without lines: only the delete.
    const emptied = render(cartReadModel.writes('"p"', [{ stream: 'cart-2', row: [] }]));
    expect(emptied.map((w) => w.sql.trimStart().split(' ')[0])).toEqual(['delete']);
    expect(emptied[0]!.params).toEqual([['cart-2'], [], []]);
  });

  it('profiles: the document, as JSON', () => {
    const row = profileReadModel.rowOf({ name: 'Ada', city: 'Paris' });
    expect(row).toEqual({ name: 'Ada', city: 'Paris' });
    const writes = render(profileReadModel.writes('"p"', [{ stream: 'profile-1', row }]));
    expect(writes.map((w) => w.table)).toEqual(['profiles']);
    expect(writes[0]!.sql).toContain('insert into "p".profiles');
    expect(writes[0]!.params).toEqual([['profile-1'], ['{"name":"Ada","city":"Paris"}']]);
  });
});
