/** `dlq_outbox`: refused records on their way to the DLQ topic (docs/mirror.md). */
import type { DlqInsert, WriteOp } from './applyStore.js';

/** The write queuing DLQ records; none for no rows. */
export function insertDlqOps(s: string, rows: readonly DlqInsert[]): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'dlq_outbox',
      sql: (p) => `insert into ${s}.dlq_outbox (key, value, headers, reason)
         select * from unnest(${p(rows.map((r) => r.key))}::bytea[],
                              ${p(rows.map((r) => r.value))}::bytea[],
                              ${p(rows.map((r) => JSON.stringify(r.headers)))}::jsonb[],
                              ${p(rows.map((r) => r.reason))}::text[])`,
    },
  ];
}
