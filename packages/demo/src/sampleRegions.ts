import type { ConcordConfig, RegionId } from '@concord/config';
import { createPool, type pg } from '@concord/postgres';

/** What the live view shows for one region at one moment. */
export interface RegionSample {
  readonly region: RegionId;
  readonly reachable: boolean;
  /** Replication lag of events applied in the last window, per origin: p50/p99 in ms. */
  readonly lag: Readonly<Record<RegionId, { p50: number; p99: number; n: number }>>;
  readonly pending: number;
  readonly conflictsOpen: number;
  readonly conflictsResolved: number;
  readonly applied: number;
}

const LAG_SQL = `
  select origin,
         count(*)::int as n,
         coalesce(percentile_cont(0.5) within group (order by lag_ms), 0)::float as p50,
         coalesce(percentile_cont(0.99) within group (order by lag_ms), 0)::float as p99
    from (select origin,
                 extract(epoch from (applied_at - (envelope->'meta'->>'acceptedAt')::timestamptz)) * 1000 as lag_ms
            from projection.events
           where applied_at > now() - make_interval(secs => $1)
             and envelope->'meta'->>'acceptedAt' is not null) t
   group by origin`;

/** Samples every region's projection: lag per origin over the last window, pending, conflicts. */
export class RegionSampler {
  private readonly pools: Map<RegionId, pg.Pool>;

  constructor(
    private readonly config: ConcordConfig,
    private readonly windowSec = 5,
  ) {
    this.pools = new Map(
      config.regions.map((r) => [
        r,
        createPool(config.byRegion[r]!.postgres.url, {
          max: 1,
          applicationName: 'concord-demo',
          connectionTimeoutMillis: 1000,
        }),
      ]),
    );
  }

  async sample(): Promise<RegionSample[]> {
    return Promise.all(this.config.regions.map((r) => this.sampleRegion(r)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }

  private async sampleRegion(region: RegionId): Promise<RegionSample> {
    const pool = this.pools.get(region)!;
    try {
      const lag = await pool.query<{ origin: string; n: number; p50: number; p99: number }>(
        LAG_SQL,
        [this.windowSec],
      );
      const counts = await pool.query<{
        pending: number;
        open: number;
        resolved: number;
        applied: number;
      }>(
        `select (select count(*) from projection.pending)::int as pending,
                (select count(*) from projection.conflicts where status = 'open')::int as open,
                (select count(*) from projection.conflicts where status = 'resolved')::int as resolved,
                (select count(*) from projection.events)::int as applied`,
      );
      const c = counts.rows[0]!;
      return {
        region,
        reachable: true,
        lag: Object.fromEntries(
          lag.rows.map((l) => [
            l.origin,
            { p50: Math.round(l.p50), p99: Math.round(l.p99), n: l.n },
          ]),
        ),
        pending: c.pending,
        conflictsOpen: c.open,
        conflictsResolved: c.resolved,
        applied: c.applied,
      };
    } catch {
      return {
        region,
        reachable: false,
        lag: {},
        pending: 0,
        conflictsOpen: 0,
        conflictsResolved: 0,
        applied: 0,
      };
    }
  }
}
