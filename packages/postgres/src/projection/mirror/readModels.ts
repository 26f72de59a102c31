/** The example domains' read models: `account_balances`, `cart_items`, `profiles`. */
import type { StreamId } from '@concord/core';
import type { WriteOp } from './applyStore.js';

/** The write storing account balances; none for no rows. */
export function upsertBalancesOps(
  s: string,
  rows: readonly { stream: string; balance: string; bounced: number }[],
): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'account_balances',
      sql: (p) => `insert into ${s}.account_balances (stream, balance, bounced, updated_at)
         select u.stream, u.balance, u.bounced, now()
           from unnest(${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => r.balance))}::numeric[],
                       ${p(rows.map((r) => r.bounced))}::int[]) u(stream, balance, bounced)
         on conflict (stream) do update
           set balance = excluded.balance, bounced = excluded.bounced, updated_at = now()`,
    },
  ];
}

/**
 * The writes making the lines of the given carts `lines`: lines no longer there are deleted,
 * the others upserted (disjoint rows, so both can run in one statement); none for no carts.
 */
export function replaceCartLinesOps(
  s: string,
  carts: readonly StreamId[],
  lines: readonly { stream: string; sku: string; quantity: string }[],
): WriteOp[] {
  if (carts.length === 0) return [];
  const ops: WriteOp[] = [
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
}

/** The write storing profile documents; none for no rows. */
export function upsertProfilesOps(
  s: string,
  rows: readonly { stream: string; doc: unknown }[],
): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'profiles',
      sql: (p) => `insert into ${s}.profiles (stream, doc, updated_at)
         select u.stream, u.doc, now()
           from unnest(${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => JSON.stringify(r.doc)))}::jsonb[]) u(stream, doc)
         on conflict (stream) do update set doc = excluded.doc, updated_at = now()`,
    },
  ];
}
