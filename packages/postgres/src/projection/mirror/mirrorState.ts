/** `mirror_state`: the apply lock and the projection's generation. */
import type { Queryable } from '../query.js';
import { run } from './literals.js';

/**
 * Takes the apply lock (`pg_advisory_xact_lock`) and reads the projection's generation in one
 * round trip. The generation is read with the statement's snapshot, which may predate a swap
 * committed while this statement waited: it only serves to notice the swap (a transaction
 * later at worst); every later statement sees the swapped schema.
 */
export async function lockAndGeneration(db: Queryable, s: string, lock: number): Promise<number> {
  const { rows } = await run<{ generation: string }>(
    db,
    `select pg_advisory_xact_lock($1)::text as locked,
              (select generation from ${s}.mirror_state) as generation`,
    [lock],
  );
  return Number(rows[0]?.generation ?? 0);
}

/** The projection's generation (changes when replay swaps the schema). */
export async function generation(db: Queryable, s: string): Promise<number> {
  const { rows } = await run<{ generation: string }>(
    db,
    `select generation from ${s}.mirror_state`,
  );
  return Number(rows[0]?.generation ?? 0);
}

/** Takes a transaction-level advisory lock (the apply or the feed lock) and waits for it. */
export async function takeXactLock(db: Queryable, lock: number): Promise<void> {
  await run(db, 'select pg_advisory_xact_lock($1)', [lock]);
}
