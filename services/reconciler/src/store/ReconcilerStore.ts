import type { EventId, Envelope, StreamId } from '@concord/core';
import {
  appliedAmong,
  conflictAndHeads,
  conflictById,
  conflictRate,
  conflictsDetectedWithin,
  ensureResolutionSchema,
  envelopesOf,
  lagByOrigin,
  lastWriteAt,
  listConflicts,
  openConflictCount,
  openConflicts,
  pendingSummary,
  projectionReady,
  recordResolution,
  resolutionsOf,
  readFence,
  streamEventIds,
  streamEvents,
  type ConflictRow,
  type pg,
  type ResolutionRecord,
  type StoredEvent,
} from '@concord/postgres';
import type { StreamEventIds } from '../antiEntropy/classifyMissing.js';

export type { ConflictRow, ResolutionRecord, StoredEvent } from '@concord/postgres';

/**
 * What the reconciler reads and writes in its region's database, as one port over the SQL of
 * @concord/postgres (projection/ for the projection the mirror writes, never written here;
 * reconciler/ for its own audit trail). No SQL lives in this service.
 */
export class ReconcilerStore {
  constructor(readonly pool: pg.Pool) {}

  /** Creates schema `reconciler` and its table if missing (idempotent, safe to race). */
  ensureOwnSchema(): Promise<void> {
    return ensureResolutionSchema(this.pool);
  }

  /** True when the projection schema exists (the mirror migrated the database). */
  ping(): Promise<boolean> {
    return projectionReady(this.pool);
  }

  openConflicts(limit: number): Promise<{ id: string; stream: StreamId; heads: EventId[] }[]> {
    return openConflicts(this.pool, limit);
  }

  conflict(id: string): Promise<ConflictRow | undefined> {
    return conflictById(this.pool, id);
  }

  listConflicts(filter: Parameters<typeof listConflicts>[1]): Promise<ConflictRow[]> {
    return listConflicts(this.pool, filter);
  }

  conflictAndHeads(id: string): ReturnType<typeof conflictAndHeads> {
    return conflictAndHeads(this.pool, id);
  }

  streamEvents(stream: StreamId): Promise<StoredEvent[]> {
    return streamEvents(this.pool, stream);
  }

  appliedAmong(ids: readonly EventId[]): Promise<Set<EventId>> {
    return appliedAmong(this.pool, ids);
  }

  envelopes(ids: readonly EventId[]): Promise<Envelope[]> {
    return envelopesOf(this.pool, ids);
  }

  streamIds(streams: readonly StreamId[]): Promise<Map<StreamId, StreamEventIds>> {
    return streamEventIds(this.pool, streams);
  }

  conflictsDetectedWithin(seconds: number): Promise<number> {
    return conflictsDetectedWithin(this.pool, seconds);
  }

  conflictRate(): ReturnType<typeof conflictRate> {
    return conflictRate(this.pool);
  }

  openConflictCount(): Promise<number> {
    return openConflictCount(this.pool);
  }

  lagByOrigin(): ReturnType<typeof lagByOrigin> {
    return lagByOrigin(this.pool);
  }

  pendingSummary(): ReturnType<typeof pendingSummary> {
    return pendingSummary(this.pool);
  }

  lastWriteAt(streams: readonly StreamId[]): Promise<number | undefined> {
    return lastWriteAt(this.pool, streams);
  }

  /** The region's write fence as stored (`concord.fence`, written by the writers). */
  async fence(): Promise<{ fenced: boolean; reason: string | null; updatedAt: string | null }> {
    const r = await readFence(this.pool);
    return r
      ? { fenced: r.fenced, reason: r.reason, updatedAt: r.updated_at.toISOString() }
      : { fenced: false, reason: null, updatedAt: null };
  }

  recordResolution(record: Omit<ResolutionRecord, 'emittedAt'>): Promise<void> {
    return recordResolution(this.pool, record);
  }

  resolutions(conflictId: string): Promise<ResolutionRecord[]> {
    return resolutionsOf(this.pool, conflictId);
  }
}
