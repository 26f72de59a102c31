/**
 * What `concord replay` reads of the live projection and copies into the schema it builds
 * (docs/mirror.md, "Replay"). `live` and `next` are quoted schema names.
 */
import type { Envelope } from '@concord/core';
import type { Queryable } from '../query.js';
import { run } from './literals.js';

/** A stored event as replay re-folds it. */
export interface ReplayEventRow {
  applied_seq: string;
  envelope: Envelope;
  text: string;
  source: string;
}

/** Up to `limit` stored events of `live` after applied_seq `after`, in applied order. */
export async function storedEventsAfter(
  db: Queryable,
  live: string,
  after: string,
  limit: number,
): Promise<ReplayEventRow[]> {
  const { rows } = await run<ReplayEventRow>(
    db,
    `select applied_seq, envelope, envelope::text as text, source from ${live}.events
        where applied_seq > $1 order by applied_seq limit $2`,
    [after, limit],
  );
  return rows;
}

/** Every stored source offset of `live` (in no particular order). */
export async function sourceOffsetRows(
  db: Queryable,
  live: string,
): Promise<{ topic: string; partition: number; next_offset: string }[]> {
  const { rows } = await run<{ topic: string; partition: number; next_offset: string }>(
    db,
    `select topic, partition, next_offset from ${live}.source_offsets`,
  );
  return rows;
}

/** Copies the parked events of `live` into `next` (those not parked there already). */
export async function copyPending(db: Queryable, next: string, live: string): Promise<void> {
  await run(db, `insert into ${next}.pending select * from ${live}.pending on conflict do nothing`);
}

/** Makes the source offsets of `next` those of `live`. */
export async function copySourceOffsets(db: Queryable, next: string, live: string): Promise<void> {
  await run(db, `delete from ${next}.source_offsets`);
  await run(db, `insert into ${next}.source_offsets select * from ${live}.source_offsets`);
}

/** Carries the feed positions of `live` over to `next` (applied_seq kept: same positions). */
export async function copyFeedPositions(db: Queryable, next: string, live: string): Promise<void> {
  await run(
    db,
    `update ${next}.feed_position f set published_seq = l.published_seq
         from ${live}.feed_position l where f.feed = l.feed`,
  );
}

/**
 * Moves the applied_seq identity of `next` (`nextName` unquoted, `next` quoted) past its
 * stored events, which kept their applied_seq.
 */
export async function resumeAppliedSeq(
  db: Queryable,
  nextName: string,
  next: string,
): Promise<void> {
  await run(
    db,
    `select setval(pg_get_serial_sequence('${nextName}.events', 'applied_seq'),
                     greatest((select max(applied_seq) from ${next}.events), 1),
                     (select count(*) > 0 from ${next}.events))`,
  );
}

/**
 * Sets the applied feed's position of `next`, rebuilt from the topics (new applied_seq): every
 * event the live feed has not published yet comes after it (a few already published ones may
 * be published again: at-least-once).
 */
export async function feedPositionFromLive(
  db: Queryable,
  next: string,
  live: string,
): Promise<void> {
  await run(
    db,
    `update ${next}.feed_position set published_seq = coalesce(
           (select min(ne.applied_seq) - 1 from ${next}.events ne
              join ${live}.events le on le.id = ne.id
             where le.applied_seq > (select published_seq from ${live}.feed_position where feed = 'applied')),
           (select coalesce(max(applied_seq), 0) from ${next}.events))
         where feed = 'applied'`,
  );
}
