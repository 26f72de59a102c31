import { storedConflictRecord, type DomainRegistry } from '@concord/core';
import {
  clearConflicts,
  copyConflictHistory,
  copyDlqOutbox,
  dropSchema,
  generation as generationOf,
  ident,
  keepDetectedAt,
  multiHeadStreams,
  renameSchema,
  setRebuiltGeneration,
  type pg,
} from '@concord/postgres';
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
  await clearConflicts(client, s);
  const rows = await multiHeadStreams(client, s);
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
  await keepDetectedAt(client, s, live);
  await copyConflictHistory(client, s, live);
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
  await copyDlqOutbox(client, n, live);
  const openConflicts = await rebuildConflicts(client, next, options.registry);
  const generation = (await generationOf(client, live)) + 1;
  await setRebuiltGeneration(client, n, generation, options.rebuiltBy);
  const before = await regionDigest(client, LIVE_SCHEMA);
  const after = await regionDigest(client, next);
  const previous = `${LIVE_SCHEMA}_prev`;
  await dropSchema(client, ident(previous), true);
  await renameSchema(client, live, ident(previous));
  await renameSchema(client, n, live);
  if (!options.keepPrevious) await dropSchema(client, ident(previous), false);
  return {
    before,
    after,
    generation,
    openConflicts,
    previousSchema: options.keepPrevious ? previous : undefined,
  };
}
