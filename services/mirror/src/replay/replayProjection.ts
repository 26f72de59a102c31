import { readRegionKeys, type ConcordConfig, type RegionId } from '@concord/config';
import { ConcordError, DomainRegistry, RegionKeyring, verifyEnvelopes } from '@concord/core';
import { defaultDomains, defaultReadModels } from '@concord/domains';
import {
  copyFeedPositions,
  copyPending,
  copySourceOffsets,
  createPool,
  createProjectionSchema,
  dropSchema,
  ident,
  inTransaction,
  migrate,
  resumeAppliedSeq,
  storedEventsAfter,
  takeXactLock,
  type pg,
} from '@concord/postgres';
import { candidateOf } from '../apply/ApplyTypes.js';
import { applyEvents, type ApplyEventsOptions } from '../apply/applyEvents.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { APPLY_LOCK, FEED_LOCK, LIVE_SCHEMA } from '../store/locks.js';
import type { RegionDigest } from '../store/regionDigest.js';
import { swapSchemas } from './finishReplay.js';
import { fromTopics } from './replayFromTopics.js';
import { NEXT_SCHEMA, type ReplayOptions } from './replayOptions.js';

export { NEXT_SCHEMA, type ReplayOptions } from './replayOptions.js';

export interface ReplayResult {
  readonly region: RegionId;
  readonly mode: 'events' | 'kafka';
  /** The live projection's digest at the swap. */
  readonly before: RegionDigest;
  /** The rebuilt projection's digest at the swap. */
  readonly after: RegionDigest;
  readonly match: boolean;
  readonly generation: number;
  readonly openConflicts: number;
  /** Records refused while rebuilding (invalid or forged envelopes, already in the DLQ). */
  readonly refused: number;
  readonly previousSchema: string | undefined;
  readonly elapsedMs: number;
}

/**
 * `concord replay`: rebuilds a region's projection into a fresh schema and swaps it in
 * atomically while the live mirror keeps running. The rebuild runs beside the live schema;
 * the last catch-up, the comparison of digests and the two `ALTER SCHEMA … RENAME` run in one
 * transaction holding the apply lock (the live mirror waits a moment, then sees the new
 * generation) and the feed lock (no publisher round spans the swap).
 */
export async function replayProjection(
  config: ConcordConfig,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const started = Date.now();
  const rc = config.byRegion[options.region];
  if (!rc) {
    throw new ConcordError('UNKNOWN_REGION', `unknown region ${options.region}`, {
      details: { field: 'region', region: options.region },
    });
  }
  const progress = options.progress ?? (() => undefined);
  const registry = options.domains ?? new DomainRegistry(defaultDomains);
  const applyOptions: ApplyEventsOptions = {
    region: options.region,
    registry,
    regions: config.regions,
    readModels: options.readModels ?? defaultReadModels,
    checkpointEvery: options.checkpointEvery ?? 128,
    conflicts: false,
  };
  const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);
  await migrate(rc.postgres.url);
  const pool = createPool(rc.postgres.url, { max: 4, applicationName: 'concord-replay' });
  try {
    await inTransaction(pool, async (client) => {
      await dropSchema(client, ident(NEXT_SCHEMA), true);
      await createProjectionSchema(client, NEXT_SCHEMA);
    });
    const mode = options.fromBeginning ? 'kafka' : 'events';
    progress(
      `rebuilding ${options.region} into ${NEXT_SCHEMA} from ${mode === 'kafka' ? 'the source topics (offset 0)' : 'the stored events'}`,
    );
    const build =
      mode === 'kafka'
        ? await fromTopics(config, pool, options, applyOptions, keyring, progress)
        : await fromStoredEvents(pool, options, applyOptions, keyring, progress);
    const swap = build.swap;
    progress(
      `swapped: generation ${swap.generation}, ${swap.after.events} events, ${swap.after.streams} streams`,
    );
    return {
      region: options.region,
      mode,
      before: swap.before,
      after: swap.after,
      match: swap.before.digest === swap.after.digest && swap.before.events === swap.after.events,
      generation: swap.generation,
      openConflicts: swap.openConflicts,
      refused: build.refused,
      previousSchema: swap.previousSchema,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await pool.end();
  }
}

/** Default mode: the stored events, in applied order, re-verified and re-folded. */
async function fromStoredEvents(
  pool: pg.Pool,
  options: ReplayOptions,
  applyOptions: ApplyEventsOptions,
  keyring: RegionKeyring,
  progress: (message: string) => void,
) {
  const chunk = options.chunk ?? 5000;
  const live = ident(LIVE_SCHEMA);
  let last = '0';
  let refused = 0;
  let copied = 0;
  const copyFrom = async (client: pg.ClientBase, limit: number): Promise<number> => {
    const rows = await storedEventsAfter(client, live, last, limit);
    if (rows.length === 0) return 0;
    const checks = await verifyEnvelopes(
      rows.map((r) => r.envelope),
      keyring,
    );
    const candidates = rows
      .filter((_, i) => checks[i]!.ok)
      .map((r) => ({ ...candidateOf(r.envelope, r.source, r.text), appliedSeq: r.applied_seq }));
    refused += rows.length - candidates.length;
    await applyEvents(new ProjectionStore(client, NEXT_SCHEMA), candidates, applyOptions);
    last = rows.at(-1)!.applied_seq;
    copied += rows.length;
    return rows.length;
  };
  // Bulk, beside the live mirror.
  for (;;) {
    const n = await inTransaction(pool, (client) => copyFrom(client, chunk));
    if (n > 0) progress(`${copied} events re-folded`);
    if (n < chunk) break;
  }
  const swap = await inTransaction(pool, async (client) => {
    await takeXactLock(client, APPLY_LOCK);
    await takeXactLock(client, FEED_LOCK);
    while ((await copyFrom(client, chunk)) > 0);
    const n = ident(NEXT_SCHEMA);
    await copyPending(client, n, live);
    await copySourceOffsets(client, n, live);
    // applied_seq is kept, so the feed position carries over as is.
    await copyFeedPositions(client, n, live);
    await resumeAppliedSeq(client, NEXT_SCHEMA, n);
    return swapSchemas(client, NEXT_SCHEMA, {
      registry: applyOptions.registry,
      rebuiltBy: 'replay:events',
      keepPrevious: options.keepPrevious ?? true,
    });
  });
  return { swap, refused };
}
