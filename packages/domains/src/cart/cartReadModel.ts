import { defineReadModel, type SqlWrite } from '@concord/core';
import { cartDomain, cartLines, type CartState } from './cartDomain.js';

/**
 * `cart_items(stream, sku, quantity)`: one row per line of a `cart-*` stream, `cartLines(state)`
 * (docs/mirror.md, "Read models"). A cart's lines no longer there are deleted, the others
 * upserted (disjoint rows, so both can run in one statement).
 */
export const cartReadModel = defineReadModel<CartState, { sku: string; quantity: string }[]>({
  name: 'cart_items',
  module: cartDomain,
  tables: ['cart_items'],
  rowOf: (state) => cartLines(state).map((l) => ({ sku: l.sku, quantity: String(l.quantity) })),
  writes(s, entries) {
    if (entries.length === 0) return [];
    const carts = entries.map((e) => e.stream);
    const lines = entries.flatMap((e) => e.row.map((line) => ({ stream: e.stream, ...line })));
    const ops: SqlWrite[] = [
      {
        table: 'cart_items',
        sql: (p) => `delete from ${s}.cart_items c
          where c.stream = any(${p(carts)}::text[])
            and not exists (
              select 1 from unnest(${p(lines.map((l) => l.stream))}::text[],
                                   ${p(lines.map((l) => l.sku))}::text[]) n(stream, sku)
               where n.stream = c.stream and n.sku = c.sku)`,
      },
    ];
    if (lines.length > 0) {
      ops.push({
        table: 'cart_items',
        sql: (p) => `insert into ${s}.cart_items (stream, sku, quantity)
          select * from unnest(${p(lines.map((l) => l.stream))}::text[],
                               ${p(lines.map((l) => l.sku))}::text[],
                               ${p(lines.map((l) => l.quantity))}::bigint[])
          on conflict (stream, sku) do update set quantity = excluded.quantity`,
      });
    }
    return ops;
  },
});
