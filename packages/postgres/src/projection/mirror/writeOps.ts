/** Sending the mirror's writes: several {@link WriteOp}s as one statement. */
import type { Queryable } from '../query.js';
import { APPLIED_CHANNEL, type WriteOp } from './applyStore.js';
import { run } from './literals.js';

/**
 * Runs writes as one statement — each a data-modifying CTE, on disjoint rows — followed by an
 * optional `pg_notify('concord_applied', …)` (delivered at commit).
 */
export async function executeWrites(
  db: Queryable,
  ops: readonly WriteOp[],
  notify?: string,
): Promise<void> {
  if (ops.length === 0 && notify === undefined) return;
  const values: unknown[] = [];
  const p = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (ops.length === 1 && notify === undefined) {
    await run(db, ops[0]!.sql(p), values);
    return;
  }
  const ctes = ops.map((op, i) => `w${i} as (${op.sql(p)})`);
  const tail =
    notify === undefined ? 'select 1' : `select pg_notify(${p(APPLIED_CHANNEL)}, ${p(notify)})`;
  await run(db, ctes.length > 0 ? `with ${ctes.join(',\n')}\n${tail}` : tail, values);
}
