/** The conflict lifecycle's SQL: open conflicts of streams, their events, inserts, closings. */
import type { EventId, StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { ConflictInsert, SuffixEvent } from './applyStore.js';
import { suffixes } from './foldEvents.js';
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

/** Every event of the given streams, in fold order per stream (positions start at 0). */
export function foldedEvents(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<Map<StreamId, SuffixEvent[]>> {
  return suffixes(
    db,
    s,
    streams.map((stream) => ({ stream, from: 0 })),
  );
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
