import type { ConcordConfig, RegionId } from '@concord/config';
import type { Envelope, StreamId } from '@concord/core';
import { createPool, type pg } from '@concord/postgres';

/** Direct SQL on each region's projection, for assertions and fault injection in tests. */
export class RegionDbs {
  private readonly pools = new Map<RegionId, pg.Pool>();

  constructor(readonly config: ConcordConfig) {
    for (const r of config.regions) {
      this.pools.set(r, createPool(config.byRegion[r]!.postgres.url, { max: 2 }));
    }
  }

  pool(region: RegionId): pg.Pool {
    return this.pools.get(region)!;
  }

  async query<R extends pg.QueryResultRow>(region: RegionId, sql: string, values: unknown[] = []) {
    return (await this.pool(region).query<R>(sql, values)).rows;
  }

  /** The stored envelopes of a stream, in fold order. */
  async events(region: RegionId, stream: StreamId): Promise<Envelope[]> {
    const rows = await this.query<{ envelope: Envelope }>(
      region,
      'select envelope from projection.events where stream = $1 order by fold_pos',
      [stream],
    );
    return rows.map((r) => r.envelope);
  }

  /** Ids applied in `region` among `ids`. */
  async applied(region: RegionId, ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.query<{ id: string }>(
      region,
      'select id from projection.events where id = any($1::uuid[])',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  async stream(region: RegionId, stream: StreamId) {
    const rows = await this.query<{ state: unknown; heads: string[]; version: number }>(
      region,
      'select state, heads, version from projection.streams where stream = $1',
      [stream],
    );
    return rows[0];
  }

  async conflicts(region: RegionId, stream: StreamId) {
    return this.query<{ id: string; status: string; resolved_by: string | null; heads: string[] }>(
      region,
      'select id, status, resolved_by, heads from projection.conflicts where stream = $1 order by detected_at',
      [stream],
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }
}
