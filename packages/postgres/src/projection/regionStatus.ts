/** The region's replication status as the projection shows it: lag, parked events, fence. */
import { PROJECTION_SCHEMA } from '../migrate.js';
import { query, type Queryable } from './query.js';

const P = PROJECTION_SCHEMA;

/** True when the projection schema exists (the mirror migrated the database). */
export async function projectionReady(db: Queryable): Promise<boolean> {
  const { rows } = await query<{ ok: boolean }>(
    db,
    `select to_regclass('${P}.conflicts') is not null as ok`,
  );
  return rows[0]?.ok === true;
}

/** Per origin: replication lag of the events applied in the last minute, and the newest one. */
export async function lagByOrigin(db: Queryable): Promise<
  {
    origin: string;
    events: number;
    lagP50: number | null;
    lagMax: number | null;
    lastAppliedAgo: number;
  }[]
> {
  const { rows } = await query<{
    origin: string;
    events: number;
    p50: number | null;
    max: number | null;
    ago: number;
  }>(
    db,
    `with recent as (
       select origin, extract(epoch from (applied_at - accepted_at))::float8 as lag
         from ${P}.events where applied_at > now() - interval '60 seconds')
     select o.origin,
            (select count(*)::int from recent r where r.origin = o.origin) as events,
            (select percentile_cont(0.5) within group (order by lag) from recent r
              where r.origin = o.origin and lag is not null) as p50,
            (select max(lag) from recent r where r.origin = o.origin) as max,
            extract(epoch from (now() - o.last))::float8 as ago
       from (select origin, max(applied_at) as last from ${P}.events group by origin) o
      order by o.origin`,
  );
  return rows.map((r) => ({
    origin: r.origin,
    events: r.events,
    lagP50: r.p50,
    lagMax: r.max,
    lastAppliedAgo: r.ago,
  }));
}

/** Parked events: how many, and how long the oldest waits. */
export async function pendingSummary(
  db: Queryable,
): Promise<{ count: number; oldestSeconds: number | null }> {
  const { rows } = await query<{ n: number; oldest: number | null }>(
    db,
    `select count(*)::int as n,
            extract(epoch from (now() - min(parked_at)))::float8 as oldest
       from ${P}.pending`,
  );
  return { count: rows[0]?.n ?? 0, oldestSeconds: rows[0]?.oldest ?? null };
}
