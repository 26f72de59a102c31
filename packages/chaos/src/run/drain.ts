import type { ConcordConfig } from '@concord/config';
import { sleep } from '@concord/core';
import { createPool, type pg } from '@concord/postgres';

export interface DrainState {
  readonly converged: boolean;
  /** Acknowledged events not yet applied, per region. */
  readonly missing: Readonly<Record<string, number>>;
  readonly pending: Readonly<Record<string, number>>;
  /** Streams whose digests differ between regions, or that still have several heads. */
  readonly divergentStreams: number;
  readonly elapsedMs: number;
}

/**
 * Waits until every region applied every acknowledged event, parks nothing, and holds the same
 * digests and a single head for every stream — or until `timeoutMs`. Cheap SQL checks only;
 * the full, independent check runs afterwards.
 */
export async function drainUntilConverged(
  config: ConcordConfig,
  ackedIds: readonly string[],
  options: { timeoutMs: number; pollMs?: number; onPoll?: (s: DrainState) => void },
): Promise<DrainState> {
  const pools = new Map<string, pg.Pool>(
    config.regions.map((r) => [
      r,
      createPool(config.byRegion[r]!.postgres.url, { max: 1, applicationName: 'concord-drain' }),
    ]),
  );
  const started = Date.now();
  try {
    for (;;) {
      const state = await probe(pools, ackedIds, started);
      options.onPoll?.(state);
      if (state.converged || Date.now() - started >= options.timeoutMs) return state;
      await sleep(options.pollMs ?? 1000);
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.end()));
  }
}

async function probe(
  pools: Map<string, pg.Pool>,
  ackedIds: readonly string[],
  started: number,
): Promise<DrainState> {
  const missing: Record<string, number> = {};
  const pending: Record<string, number> = {};
  const digests = new Map<string, Map<string, string>>();
  let divergent = 0;
  let reachable = true;
  for (const [region, pool] of pools) {
    try {
      const applied = await pool.query<{ n: string }>(
        'select count(*) as n from projection.events where id = any($1::uuid[])',
        [ackedIds],
      );
      missing[region] = ackedIds.length - Number(applied.rows[0]!.n);
      const parked = await pool.query<{ n: string }>(
        'select count(*) as n from projection.pending',
      );
      pending[region] = Number(parked.rows[0]!.n);
      const streams = await pool.query<{
        stream: string;
        ids_hash: string;
        state_hash: string;
        heads: number;
      }>(
        'select stream, ids_hash, state_hash, cardinality(heads) as heads from projection.streams',
      );
      const m = new Map<string, string>();
      for (const s of streams.rows) {
        m.set(s.stream, `${s.ids_hash}/${s.state_hash}`);
        if (s.heads > 1) divergent++;
      }
      digests.set(region, m);
    } catch {
      reachable = false;
      missing[region] = -1;
    }
  }
  const all = new Set([...digests.values()].flatMap((m) => [...m.keys()]));
  for (const stream of all) {
    const values = new Set([...digests.values()].map((m) => m.get(stream) ?? 'absent'));
    if (values.size > 1) divergent++;
  }
  const converged =
    reachable &&
    Object.values(missing).every((n) => n === 0) &&
    Object.values(pending).every((n) => n === 0) &&
    divergent === 0;
  return {
    converged,
    missing,
    pending,
    divergentStreams: divergent,
    elapsedMs: Date.now() - started,
  };
}
