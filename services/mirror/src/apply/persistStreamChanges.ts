import {
  adjustSum,
  conflictChanges,
  digestLine,
  EMPTY_SET_SUM,
  firstCovering,
  storedConflictRecord,
  type ConflictClosing,
  type DomainRegistry,
  type EventId,
  type ReadModel,
  type StreamId,
} from '@concord/core';
import type { ConflictInsert, ApplyStore } from '../store/ProjectionStore.js';
import type { StreamRow } from './foldStreams.js';
import { readModelEntries } from './readModels.js';

/** What writing new stream states needs to know, beyond the store. */
export interface StreamChangeOptions {
  readonly registry: DomainRegistry;
  /** The read models the mirror maintains (those the registry serves: `servedReadModels`). */
  readonly readModels: readonly ReadModel[];
  /** Record the conflict lifecycle (replay skips it while bulk loading). Default true. */
  readonly conflicts?: boolean;
  /** Check the conflict record of every given stream, not only those whose heads changed. */
  readonly recheckConflicts?: boolean;
}

/** A stream whose row changes in a transaction. */
export interface StreamChange {
  readonly stream: StreamId;
  readonly category: string;
  readonly state: unknown;
  /** Sorted. */
  readonly heads: readonly EventId[];
  readonly version: number;
  readonly idsHash: string;
  readonly stateHash: string;
  readonly bucket: number;
  /** The row before the transaction. */
  readonly previous: StreamRow | undefined;
}

/**
 * Writes what follows from new stream states, after the events are stored: the stream rows
 * (state, heads, digests), the bucket roll-ups (each changed stream's line replaced), the
 * conflict lifecycle of the streams whose heads changed, and the read models.
 */
export async function persistStreamChanges(
  store: ApplyStore,
  outcomes: readonly StreamChange[],
  options: StreamChangeOptions,
): Promise<{ conflictsDetected: number; closings: ConflictClosing[] }> {
  await store.upsertStreams(
    outcomes.map((o) => ({
      stream: o.stream,
      category: o.category,
      state: o.state,
      heads: o.heads,
      version: o.version,
      idsHash: o.idsHash,
      stateHash: o.stateHash,
      bucket: o.bucket,
    })),
  );

  // Bucket roll-ups: replace each changed stream's line.
  const bucketChanges = new Map<number, { add: string[]; remove: string[]; newStreams: number }>();
  for (const o of outcomes) {
    const change = bucketChanges.get(o.bucket) ?? { add: [], remove: [], newStreams: 0 };
    change.add.push(
      digestLine({ stream: o.stream, eventSetHash: o.idsHash, stateHash: o.stateHash }),
    );
    if (o.previous) {
      change.remove.push(
        digestLine({
          stream: o.stream,
          eventSetHash: o.previous.idsHash,
          stateHash: o.previous.stateHash,
        }),
      );
    } else change.newStreams++;
    bucketChanges.set(o.bucket, change);
  }
  const buckets = await store.bucketRows([...bucketChanges.keys()]);
  await store.upsertBuckets(
    [...bucketChanges].map(([bucket, change]) => {
      const current = buckets.get(bucket);
      return {
        bucket,
        hash: adjustSum(current?.hash ?? EMPTY_SET_SUM, change.add, change.remove),
        streams: (current?.streams ?? 0) + change.newStreams,
      };
    }),
  );

  // Conflicts of the streams whose heads changed.
  let conflictsDetected = 0;
  const closings: ConflictClosing[] = [];
  if (options.conflicts !== false) {
    const changed = options.recheckConflicts
      ? outcomes
      : outcomes.filter((o) => !o.previous || o.previous.heads.join() !== o.heads.join());
    // A stream that had one head (or none) has no open conflict: only look up the others.
    const open = await store.openConflicts(
      changed
        .filter((o) => (o.previous?.heads.length ?? 0) > 1 || options.recheckConflicts)
        .map((o) => o.stream),
    );
    const openByStream = new Map<StreamId, typeof open>();
    for (const c of open) openByStream.set(c.stream, [...(openByStream.get(c.stream) ?? []), c]);
    const needEvents = changed.filter(
      (o) => o.heads.length > 1 || (openByStream.get(o.stream)?.length ?? 0) > 0,
    );
    const events = await store.streamEvents(needEvents.map((o) => o.stream));
    const newConflicts: ConflictInsert[] = [];
    for (const o of needEvents) {
      const stored = events.get(o.stream) ?? [];
      const order = stored.map((e) => e.envelope);
      const changes = conflictChanges(
        o.stream,
        o.heads,
        openByStream.get(o.stream) ?? [],
        (heads) => firstCovering(order, heads),
      );
      closings.push(...changes.closings);
      if (changes.open === undefined) continue;
      const record = storedConflictRecord(
        { stream: o.stream, state: o.state, heads: o.heads, version: o.version, events: stored },
        options.registry.forStream(o.stream),
      );
      if (record) newConflicts.push(record);
    }
    await store.closeConflicts(closings);
    conflictsDetected = await store.insertConflicts(newConflicts);
  }

  // The registered read models, in registration order.
  const models = readModelEntries(
    outcomes.map((o) => ({ stream: o.stream, category: o.category, state: o.state })),
    options.registry,
    options.readModels,
  );
  for (const { model, entries } of models) await store.writeReadModel(model, entries);

  return { conflictsDetected, closings };
}
