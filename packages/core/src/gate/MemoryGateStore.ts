import type { EventId, StreamId } from '../envelope/Envelope.js';
import type { AppliedRef, GatePassResult, GateStore, PendingRow } from './gatePass.js';

/**
 * The gate's store port in memory: applied events with their stream and position, and the
 * parked rows. `commit` records a pass the way the apply transaction does (docs/mirror.md):
 * its ready events applied in order, its parked events inserted, its unparked and stale rows
 * deleted, the rows still waiting updated.
 */
export class MemoryGateStore implements GateStore {
  readonly applied = new Map<EventId, AppliedRef>();
  readonly pending = new Map<EventId, PendingRow>();
  private readonly versions = new Map<StreamId, number>();

  appliedAmong(ids: readonly EventId[]): Promise<ReadonlyMap<EventId, AppliedRef>> {
    const found = new Map<EventId, AppliedRef>();
    for (const id of ids) {
      const ref = this.applied.get(id);
      if (ref) found.set(id, ref);
    }
    return Promise.resolve(found);
  }

  pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]> {
    const wanted = new Set(ids);
    return Promise.resolve(
      [...this.pending.values()].filter(
        (row) => wanted.has(row.id) || row.missing.some((id) => wanted.has(id)),
      ),
    );
  }

  pendingWaitingOn(ids: readonly EventId[], exclude: readonly EventId[]): Promise<PendingRow[]> {
    const wanted = new Set(ids);
    const excluded = new Set(exclude);
    return Promise.resolve(
      [...this.pending.values()].filter(
        (row) => !excluded.has(row.id) && row.missing.some((id) => wanted.has(id)),
      ),
    );
  }

  /** Records a gate pass as committed. */
  commit(result: GatePassResult): void {
    for (const candidate of result.ready) {
      const position = this.versions.get(candidate.stream) ?? 0;
      this.applied.set(candidate.id, { stream: candidate.stream, position });
      this.versions.set(candidate.stream, position + 1);
    }
    for (const p of result.parked) {
      this.pending.set(p.candidate.id, {
        id: p.candidate.id,
        envelope: p.candidate.envelope,
        text: p.candidate.text,
        missing: p.missing,
        parkedAt: p.parkedAt,
        source: p.candidate.source,
      });
    }
    for (const id of [...result.unparkedRows, ...result.staleRows]) this.pending.delete(id);
    for (const row of result.stillParkedRows) {
      const stored = this.pending.get(row.id);
      if (stored) this.pending.set(row.id, { ...stored, missing: row.missing });
    }
  }
}
