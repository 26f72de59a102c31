/** Writes of `events` and `stream_snapshots`: new events, moved positions, checkpoints. */
import type { Envelope, EventId, StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { EventInsert } from './applyStore.js';
import { run, uuidArrayLiteral } from './literals.js';

function acceptedAt(envelope: Envelope): string | null {
  const value = envelope.meta.acceptedAt;
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Inserts events in the given order (which becomes their applied order). */
export async function insertEvents(
  db: Queryable,
  s: string,
  events: readonly EventInsert[],
): Promise<void> {
  if (events.length === 0) return;
  const keep = events[0]?.appliedSeq !== undefined;
  const values = [
    events.map((e) => e.envelope.id),
    events.map((e) => e.envelope.stream),
    events.map((e) => e.envelope.type),
    events.map((e) => e.envelope.origin),
    events.map((e) => String(e.envelope.hlc.wall)),
    events.map((e) => String(e.envelope.hlc.logical)),
    events.map((e) => uuidArrayLiteral(e.envelope.parents)),
    events.map((e) => e.envelope.causedBy ?? null),
    events.map((e) => e.envelope.idempotencyKey ?? null),
    events.map((e) => e.noop),
    `[${events.map((e) => e.text).join(',')}]`,
    events.map((e) => e.position),
    events.map((e) => e.source),
    events.map((e) => acceptedAt(e.envelope)),
    ...(keep ? [events.map((e) => e.appliedSeq ?? null)] : []),
  ];
  await run(
    db,
    `insert into ${s}.events
         (id, stream, type, origin, hlc_wall, hlc_logical, parents, caused_by, idempotency_key,
          idempotency_noop, data, envelope, fold_pos, source, accepted_at, applied_at
          ${keep ? ', applied_seq' : ''})
       ${keep ? 'overriding system value' : ''}
       select u.id, u.stream, u.type, u.origin, u.wall, u.logical, u.parents::uuid[], u.caused_by,
              u.ikey, u.noop, e.env -> 'data', e.env, u.pos, u.source, u.accepted, clock_timestamp()
              ${keep ? ', u.seq' : ''}
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::text[], $8::uuid[], $9::text[], $10::bool[], $12::int[],
                     $13::text[], $14::timestamptz[] ${keep ? ', $15::bigint[]' : ''})
              with ordinality
              as u(id, stream, type, origin, wall, logical, parents, caused_by, ikey, noop,
                   pos, source, accepted ${keep ? ', seq' : ''}, ord)
         join jsonb_array_elements($11::jsonb) with ordinality as e(env, ord) on e.ord = u.ord
        order by u.ord`,
    values,
  );
}

/** Updates fold positions and no-op flags of stored events (slow path). */
export async function moveEvents(
  db: Queryable,
  s: string,
  moves: readonly { id: EventId; position: number; noop: boolean }[],
): Promise<void> {
  if (moves.length === 0) return;
  await run(
    db,
    `update ${s}.events e set fold_pos = u.pos, idempotency_noop = u.noop
         from unnest($1::uuid[], $2::int[], $3::bool[]) u(id, pos, noop)
        where e.id = u.id`,
    [moves.map((m) => m.id), moves.map((m) => m.position), moves.map((m) => m.noop)],
  );
}

/** Deletes the checkpoints of each stream after `from`, then stores the new ones. */
export async function replaceCheckpoints(
  db: Queryable,
  s: string,
  froms: readonly { stream: StreamId; from: number }[],
  checkpoints: readonly { stream: StreamId; position: number; state: unknown }[],
): Promise<void> {
  if (froms.length > 0) {
    await run(
      db,
      `delete from ${s}.stream_snapshots s
          using unnest($1::text[], $2::int[]) u(stream, from_pos)
          where s.stream = u.stream and s.fold_pos > u.from_pos`,
      [froms.map((f) => f.stream), froms.map((f) => f.from)],
    );
  }
  if (checkpoints.length > 0) {
    await run(
      db,
      `insert into ${s}.stream_snapshots (stream, fold_pos, state)
         select * from unnest($1::text[], $2::int[], $3::jsonb[])
         on conflict (stream, fold_pos) do update set state = excluded.state`,
      [
        checkpoints.map((c) => c.stream),
        checkpoints.map((c) => c.position),
        checkpoints.map((c) => JSON.stringify(c.state)),
      ],
    );
  }
}
