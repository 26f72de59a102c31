/** The conflict lifecycle's SQL: open conflicts of streams, their events, inserts, closings. */
import type { Envelope, EventId, StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { ConflictInsert } from './applyStore.js';
import { run, textArrayLiteral, uuidArrayLiteral } from './literals.js';

/** The open conflicts of `streams`, with their heads. */
export async function openConflictsOf(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<{ id: string; stream: string; heads: string[] }[]> {
  if (streams.length === 0) return [];
  const { rows } = await run<{ id: string; stream: string; heads: string[] }>(
    db,
    `select id, stream, heads from ${s}.conflicts
        where stream = any($1::text[]) and status = 'open'`,
    [streams],
  );
  return rows;
}

/** Every event of the given streams, in fold order per stream. */
export async function foldedEvents(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>> {
  const result = new Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>();
  if (streams.length === 0) return result;
  const { rows } = await run<{
    stream: string;
    envelope: Envelope;
    fold_pos: number;
    idempotency_noop: boolean;
  }>(
    db,
    `select stream, envelope, fold_pos, idempotency_noop from ${s}.events
        where stream = any($1::text[]) order by stream, fold_pos`,
    [streams],
  );
  for (const r of rows) {
    const list = result.get(r.stream) ?? [];
    list.push({ envelope: r.envelope, position: r.fold_pos, noop: r.idempotency_noop });
    result.set(r.stream, list);
  }
  return result;
}

/** Inserts conflicts not recorded yet; returns how many were new. */
export async function insertConflicts(
  db: Queryable,
  s: string,
  conflicts: readonly ConflictInsert[],
): Promise<number> {
  if (conflicts.length === 0) return 0;
  const result = await run(
    db,
    `insert into ${s}.conflicts (id, stream, heads, status, policy, contested_fields, details)
       select u.id, u.stream, u.heads::uuid[], 'open', u.policy, u.fields::text[], u.details
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
              as u(id, stream, heads, policy, fields, details)
       on conflict (id) do nothing`,
    [
      conflicts.map((c) => c.id),
      conflicts.map((c) => c.stream),
      conflicts.map((c) => uuidArrayLiteral(c.heads)),
      conflicts.map((c) => c.policy),
      conflicts.map((c) => textArrayLiteral(c.contestedFields)),
      conflicts.map((c) => JSON.stringify(c.details)),
    ],
  );
  return result.rowCount ?? 0;
}

/** Closes the open conflicts among `closings` with their status (and resolving event). */
export async function closeConflicts(
  db: Queryable,
  s: string,
  closings: readonly { id: string; status: string; resolvedBy?: EventId }[],
): Promise<void> {
  if (closings.length === 0) return;
  await run(
    db,
    `update ${s}.conflicts c
          set status = u.status, resolved_at = now(), resolved_by = u.resolved_by
         from unnest($1::uuid[], $2::text[], $3::uuid[]) u(id, status, resolved_by)
        where c.id = u.id and c.status = 'open'`,
    [
      closings.map((c) => c.id),
      closings.map((c) => c.status),
      closings.map((c) => c.resolvedBy ?? null),
    ],
  );
}
