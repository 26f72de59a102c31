import { defineReadModel } from '@concord/core';
import { accountDomain, type AccountState } from './accountDomain.js';

/**
 * `account_balances(stream, balance, bounced)`: one row per `account-*` stream, its balance
 * (numeric, ≥ 0) and its number of bounced withdrawals (docs/mirror.md, "Read models").
 */
export const accountReadModel = defineReadModel<AccountState, { balance: string; bounced: number }>(
  {
    name: 'account_balances',
    module: accountDomain,
    tables: ['account_balances'],
    rowOf: (state) => ({ balance: String(state.balance), bounced: state.bounced.length }),
    writes(s, entries) {
      if (entries.length === 0) return [];
      return [
        {
          table: 'account_balances',
          sql: (p) => `insert into ${s}.account_balances (stream, balance, bounced, updated_at)
         select u.stream, u.balance, u.bounced, now()
           from unnest(${p(entries.map((e) => e.stream))}::text[],
                       ${p(entries.map((e) => e.row.balance))}::numeric[],
                       ${p(entries.map((e) => e.row.bounced))}::int[]) u(stream, balance, bounced)
         on conflict (stream) do update
           set balance = excluded.balance, bounced = excluded.bounced, updated_at = now()`,
        },
      ];
    },
  },
);
