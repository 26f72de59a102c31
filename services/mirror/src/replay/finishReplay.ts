import { storedConflictRecord, type DomainRegistry } from '@concord/core';
import { ident, type pg } from '@concord/postgres';
import { ProjectionStore, type ConflictInsert } from '../store/ProjectionStore.js';
import { LIVE_SCHEMA } from '../store/locks.js';
import { regionDigest, type RegionDigest } from '../store/regionDigest.js';

/**
 * Rebuilds the conflicts table of a replayed schema: the open conflicts are recomputed from
 * its streams (one per stream with several heads — a function of the event set), keeping the
 * live projection's `detected_at` when the same conflict is open there; the history (resolved,
 * superseded) is carried over from the live projection, since when a conflict was observed is
 * not in Kafka. Returns the number of open conflicts.
 */
export async function rebuildConflicts(
  client: pg.ClientBase,
  schema: string,
  registry: DomainRegistry,
): Promise<number> {
  const s = ident(schema);
  const live = ident(LIVE_SCHEMA);
  const store = new ProjectionStore(client, schema);
  await client.query(`delete from ${s}.conflicts`);
  const { rows } = await client.query<{
    stream: string;
    state: unknown;
    heads: string[];
    version: number;
  }>(`select stream, state, heads, version from ${s}.streams where cardinality(heads) > 1`);
  const events = await store.streamEvents(rows.map((r) => r.stream));
  const inserts: ConflictInsert[] = [];
  for (const row of rows) {
    const record = storedConflictRecord(
      { ...row, events: events.get(row.stream) ?? [] },
      registry.forStream(row.stream),
    );
    if (record) inserts.push(record);
  }
  await store.insertConflicts(inserts);
  await client.query(
    `update ${s}.conflicts n set detected_at = l.detected_at
       from ${live}.conflicts l where n.id = l.id and l.status = 'open'`,
  );
  await client.query(
    `insert into ${s}.conflicts select * from ${live}.conflicts where status <> 'open'
     on conflict (id) do nothing`,
  );
  return inserts.length;
}

/** What the swap did. */
export interface SwapResult {
  readonly before: RegionDigest;
  readonly after: RegionDigest;
  readonly generation: number;
  readonly openConflicts: number;
  readonly previousSchema: string | undefined;
}

/**
 * The end of a replay, in the caller's transaction holding the apply and feed locks: copy
 * what is not derived from the events (unpublished DLQ records), set the generation, compare
 * digests, and swap the schemas by renaming (docs/decisions/0002).
 */
export async function swapSchemas(
  client: pg.ClientBase,
  next: string,
  options: { registry: DomainRegistry; rebuiltBy: string; keepPrevious: boolean },
): Promise<SwapResult> {
  const n = ident(next);
  const live = ident(LIVE_SCHEMA);
  await client.query(`delete from ${n}.dlq_outbox`);
  await client.query(
    `insert into ${n}.dlq_outbox (key, value, headers, reason, created_at)
     select key, value, headers, reason, created_at from ${live}.dlq_outbox order by seq`,
  );
  const openConflicts = await rebuildConflicts(client, next, options.registry);
  const { rows } = await client.query<{ generation: string }>(
    `select generation from ${live}.mirror_state`,
  );
  const generation = Number(rows[0]?.generation ?? 0) + 1;
  await client.query(
    `update ${n}.mirror_state set generation = $1, rebuilt_by = $2, updated_at = now()`,
    [generation, options.rebuiltBy],
  );
  const before = await regionDigest(client, LIVE_SCHEMA);
  const after = await regionDigest(client, next);
  const previous = `${LIVE_SCHEMA}_prev`;
  await client.query(`drop schema if exists ${ident(previous)} cascade`);
  await client.query(`alter schema ${live} rename to ${ident(previous)}`);
  await client.query(`alter schema ${n} rename to ${live}`);
  if (!options.keepPrevious) await client.query(`drop schema ${ident(previous)} cascade`);
  return {
    before,
    after,
    generation,
    openConflicts,
    previousSchema: options.keepPrevious ? previous : undefined,
  };
}
