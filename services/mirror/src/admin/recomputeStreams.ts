import {
  adjustSum,
  digestLine,
  EMPTY_SET_SUM,
  eventSetSum,
  foldStream,
  stateHash,
  streamCategory,
  bucketOf,
  type DomainRegistry,
  type EventId,
  type ReadModel,
  type StreamId,
} from '@concord/core';
import { inTransaction, takeXactLock, type pg } from '@concord/postgres';
import { persistStreamChanges, type StreamChange } from '../apply/applyEvents.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { APPLY_LOCK, LIVE_SCHEMA } from '../store/locks.js';

/** A stream's digest before and after a recompute. */
export interface StreamRecompute {
  readonly stream: StreamId;
  readonly events: number;
  readonly before: { idsHash: string; stateHash: string; heads: readonly EventId[] } | null;
  readonly after: { idsHash: string; stateHash: string; heads: readonly EventId[] } | null;
  /** True when the stored row, positions or checkpoints differed from the fresh fold. */
  readonly changed: boolean;
}

export interface RecomputeOptions {
  readonly registry: DomainRegistry;
  readonly readModels: readonly ReadModel[];
  readonly checkpointEvery: number;
  readonly schema?: string;
}

/**
 * Recomputes streams from their stored events (`POST /v1/admin/recompute`, the reconciler's
 * repair for "same events, different state"): folds each from scratch with `foldStream`,
 * rewrites fold positions, no-op flags and checkpoints, the stream row (state, heads,
 * event-set and state hashes), its bucket roll-up line, its read model and its conflict
 * record — in one transaction under the apply lock.
 */
export async function recomputeStreams(
  pool: pg.Pool,
  streams: readonly StreamId[],
  options: RecomputeOptions,
): Promise<StreamRecompute[]> {
  const unique = [...new Set(streams)].sort();
  return inTransaction(pool, async (client) => {
    await takeXactLock(client, APPLY_LOCK);
    const store = new ProjectionStore(client, options.schema ?? LIVE_SCHEMA);
    const rows = await store.streamRows(unique);
    const stored = await store.streamEvents(unique);
    const results: StreamRecompute[] = [];
    const changes: StreamChange[] = [];
    const moves: { id: EventId; position: number; noop: boolean }[] = [];
    const checkpoints: { stream: StreamId; position: number; state: unknown }[] = [];
    const emptied: StreamId[] = [];
    for (const stream of unique) {
      const row = rows.get(stream);
      const events = stored.get(stream) ?? [];
      const before = row
        ? { idsHash: row.idsHash, stateHash: row.stateHash, heads: row.heads }
        : null;
      if (events.length === 0) {
        if (row) emptied.push(stream);
        results.push({ stream, events: 0, before, after: null, changed: row !== undefined });
        continue;
      }
      const module = options.registry.forStream(stream);
      const fold = foldStream(
        events.map((e) => e.envelope),
        module.reducer,
        { stream, checkpointEvery: options.checkpointEvery },
      );
      const noops = new Set(fold.noops);
      const position = new Map(fold.order.map((e, i) => [e.id, i] as const));
      let changed = false;
      for (const e of events) {
        const p = position.get(e.envelope.id)!;
        const noop = noops.has(e.envelope.id);
        if (p !== e.position || noop !== e.noop) {
          moves.push({ id: e.envelope.id, position: p, noop });
          changed = true;
        }
      }
      for (const c of fold.checkpoints) {
        if (c.position > 0) checkpoints.push({ stream, position: c.position, state: c.state });
      }
      const after = {
        idsHash: eventSetSum(fold.order.map((e) => e.id)),
        stateHash: stateHash(fold.state),
        heads: fold.heads,
      };
      changed ||=
        !before ||
        before.idsHash !== after.idsHash ||
        before.stateHash !== after.stateHash ||
        before.heads.join() !== after.heads.join() ||
        row?.version !== fold.version;
      changes.push({
        stream,
        category: streamCategory(stream),
        state: fold.state,
        heads: fold.heads,
        version: fold.version,
        idsHash: after.idsHash,
        stateHash: after.stateHash,
        bucket: bucketOf(stream),
        previous: row,
      });
      results.push({ stream, events: events.length, before, after, changed });
    }
    await store.moveEvents(moves);
    await store.replaceCheckpoints(
      changes.map((c) => ({ stream: c.stream, from: 0 })),
      checkpoints,
    );
    await persistStreamChanges(store, changes, { ...options, recheckConflicts: true });
    if (emptied.length > 0) {
      // Streams with no event left: their rows and bucket lines go.
      const buckets = await store.bucketRows([...new Set(emptied.map(bucketOf))]);
      const updates = new Map<number, { hash: string; streams: number }>();
      for (const stream of emptied) {
        const row = rows.get(stream)!;
        const bucket = row.bucket;
        const current = updates.get(bucket) ??
          buckets.get(bucket) ?? { hash: EMPTY_SET_SUM, streams: 0 };
        updates.set(bucket, {
          hash: adjustSum(
            current.hash,
            [],
            [digestLine({ stream, eventSetHash: row.idsHash, stateHash: row.stateHash })],
          ),
          streams: Math.max(0, current.streams - 1),
        });
      }
      await store.upsertBuckets([...updates].map(([bucket, u]) => ({ bucket, ...u })));
      await store.replaceCheckpoints(
        emptied.map((stream) => ({ stream, from: 0 })),
        [],
      );
      await store.deleteStreams(emptied);
    }
    return results;
  });
}
