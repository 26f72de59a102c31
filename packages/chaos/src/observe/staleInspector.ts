import type { ConcordConfig } from '@concord/config';
import { createPool, type pg } from '@concord/postgres';

/** Looks an event up in every region's projection: where it is applied or parked, and offsets. */
export interface StaleInspector {
  readonly inspect: (stream: string, id: string) => Promise<unknown>;
  readonly close: () => Promise<void>;
}

const SQL = `
  select
    (select json_build_object('appliedAt', applied_at, 'source', source, 'seq', applied_seq,
                              'foldPos', fold_pos)
       from projection.events where id = $1) as event,
    (select json_build_object('parkedAt', parked_at, 'source', source, 'missing', missing)
       from projection.pending where id = $1) as pending,
    (select json_build_object('version', version) from projection.streams where stream = $2)
      as stream,
    (select json_object_agg(topic || ':' || partition, next_offset) from projection.source_offsets)
      as offsets,
    now() as at`;

/**
 * A diagnostic of `concord chaos --client`: when a session read misses its write, what each
 * region's projection holds right then (docs/client.md, "Availability under chaos").
 */
export function staleInspector(config: ConcordConfig): StaleInspector {
  const pools = new Map<string, pg.Pool>(
    config.regions.map((r) => [
      r,
      createPool(config.byRegion[r]!.postgres.url, { max: 1, applicationName: 'concord-stale' }),
    ]),
  );
  return {
    inspect: async (stream, id) =>
      Object.fromEntries(
        await Promise.all(
          [...pools].map(async ([region, pool]) => [
            region,
            (await pool.query(SQL, [id, stream]).catch((e: unknown) => ({ rows: [String(e)] })))
              .rows[0],
          ]),
        ),
      ),
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
    },
  };
}
