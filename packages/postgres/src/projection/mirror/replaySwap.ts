/**
 * The end of `concord replay`: the statements rebuilding the conflicts of the new schema,
 * carrying over what is not derived from the events, and swapping the schemas by renaming
 * (docs/decisions/0002-projection-schema-swap.md). Schema arguments are quoted names.
 */
import type { Queryable } from '../query.js';
import { run } from './literals.js';

/** Deletes every conflict of `s` (they are recomputed). */
export async function clearConflicts(db: Queryable, s: string): Promise<void> {
  await run(db, `delete from ${s}.conflicts`);
}

/** The streams of `s` with several heads (each is in conflict). */
export async function multiHeadStreams(
  db: Queryable,
  s: string,
): Promise<{ stream: string; state: unknown; heads: string[]; version: number }[]> {
  const { rows } = await run<{
    stream: string;
    state: unknown;
    heads: string[];
    version: number;
  }>(db, `select stream, state, heads, version from ${s}.streams where cardinality(heads) > 1`);
  return rows;
}

/** Keeps the live `detected_at` of the conflicts of `next` open in `live` too. */
export async function keepDetectedAt(db: Queryable, next: string, live: string): Promise<void> {
  await run(
    db,
    `update ${next}.conflicts n set detected_at = l.detected_at
       from ${live}.conflicts l where n.id = l.id and l.status = 'open'`,
  );
}

/** Copies the conflict history (resolved, superseded) of `live` into `next`. */
export async function copyConflictHistory(
  db: Queryable,
  next: string,
  live: string,
): Promise<void> {
  await run(
    db,
    `insert into ${next}.conflicts select * from ${live}.conflicts where status <> 'open'
     on conflict (id) do nothing`,
  );
}

/** Makes the DLQ outbox of `next` the unpublished DLQ records of `live`, in order. */
export async function copyDlqOutbox(db: Queryable, next: string, live: string): Promise<void> {
  await run(db, `delete from ${next}.dlq_outbox`);
  await run(
    db,
    `insert into ${next}.dlq_outbox (key, value, headers, reason, created_at)
     select key, value, headers, reason, created_at from ${live}.dlq_outbox order by seq`,
  );
}

/** Stores the generation of the rebuilt schema `s` and what rebuilt it. */
export async function setRebuiltGeneration(
  db: Queryable,
  s: string,
  generation: number,
  rebuiltBy: string,
): Promise<void> {
  await run(
    db,
    `update ${s}.mirror_state set generation = $1, rebuilt_by = $2, updated_at = now()`,
    [generation, rebuiltBy],
  );
}

/** Drops the schema `s` and everything in it (when it exists, with `ifExists`). */
export async function dropSchema(db: Queryable, s: string, ifExists: boolean): Promise<void> {
  await run(db, ifExists ? `drop schema if exists ${s} cascade` : `drop schema ${s} cascade`);
}

/** Renames the schema `from` to `to`. */
export async function renameSchema(db: Queryable, from: string, to: string): Promise<void> {
  await run(db, `alter schema ${from} rename to ${to}`);
}
