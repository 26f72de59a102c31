/**
 * The events held for their schema version: parked with SCHEMA_UPGRADE_DEPENDENCY in
 * `missing` (docs/mirror.md).
 */
import { SCHEMA_UPGRADE_DEPENDENCY } from '@concord/core';
import type { Queryable } from '../query.js';
import type { HeldKind, PendingRow } from './applyStore.js';
import { categorySql, run, schemaVersionSql } from './literals.js';
import { selectPending } from './pending.js';

/** The held events, counted by category, type and schema version. */
export async function heldKinds(db: Queryable, s: string): Promise<HeldKind[]> {
  const { rows } = await run<{
    category: string;
    type: string;
    version: number;
    n: string;
    oldest_ms: number;
  }>(
    db,
    `select ${categorySql('stream')} as category, envelope->>'type' as type,
              ${schemaVersionSql('envelope')} as version, count(*) as n,
              (extract(epoch from min(parked_at)) * 1000)::float8 as oldest_ms
         from ${s}.pending
        where missing @> array[$1]::uuid[]
        group by 1, 2, 3
        order by 1, 2, 3`,
    [SCHEMA_UPGRADE_DEPENDENCY],
  );
  return rows.map((r) => ({
    category: r.category,
    type: r.type,
    version: r.version,
    count: Number(r.n),
    oldestParkedAt: r.oldest_ms,
  }));
}

/** Held rows of the given (category, type, version) kinds, oldest first. */
export async function heldRows(
  db: Queryable,
  s: string,
  kinds: readonly Pick<HeldKind, 'category' | 'type' | 'version'>[],
  limit: number,
): Promise<PendingRow[]> {
  if (kinds.length === 0) return [];
  return selectPending(
    db,
    s,
    `join unnest($2::text[], $3::text[], $4::int[]) k(category, type, version)
           on ${categorySql('p.stream')} = k.category
          and p.envelope->>'type' = k.type
          and ${schemaVersionSql('p.envelope')} = k.version
        where p.missing @> array[$1]::uuid[]
        order by p.parked_at
        limit $5`,
    [
      SCHEMA_UPGRADE_DEPENDENCY,
      kinds.map((k) => k.category),
      kinds.map((k) => k.type),
      kinds.map((k) => k.version),
      limit,
    ],
  );
}
