import { readsHeldKind } from '@concord/core';
import { inTransaction, type pg } from '@concord/postgres';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { APPLY_LOCK, LIVE_SCHEMA } from '../store/locks.js';
import type { PendingRow } from './ApplyTypes.js';
import type { ApplierOptions, ApplierStats } from './applierState.js';
import { notifyPayload } from './applyRound.js';
import { applyEvents, type ApplyEventsResult } from './applyEvents.js';

/** Which sweep applied parked rows: what it counts and how it reports them. */
type SweepKind = 'released' | 'swept';

/**
 * The Applier's sweeps over parked events, outside its rounds: each is one transaction under
 * the apply lock that restores the rows it selects into the gate (applyEvents), which applies
 * them and then their dependants in causal order: the safety sweep (docs/mirror.md, "Offsets,
 * crash safety, rebalances") and the release of held events (docs/schema-evolution.md).
 */
export class HeldSweeper {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ApplierOptions,
    private readonly stats: ApplierStats,
    /** Told the projection generation each sweep's transaction read. */
    private readonly noteGeneration: (generation: number) => void,
  ) {}

  /**
   * Releases the events held for their schema version that this code reads (after an
   * upgrade): restores them into the gate, which applies them and then their dependants in
   * causal order; the rest stays held. Returns how many parked events were applied. Runs at
   * start-up and with every sweep (another instance of the region may run other code), in
   * transactions of at most `limit` held rows.
   */
  async releaseHeld(limit = 1000): Promise<number> {
    const { registry } = this.options;
    let released = 0;
    for (;;) {
      const result = await this.applyParked(async (store) => {
        const readable = (await store.heldKinds()).filter((k) =>
          readsHeldKind(registry.forCategory(k.category), k.type, k.version),
        );
        return readable.length === 0 ? [] : store.heldRows(readable, limit);
      });
      // Nothing held that this code reads, or nothing released (must not happen): done.
      if (!result || result.applied.unparked === 0) return released;
      released += result.applied.unparked;
      this.committed('released', result.applied);
      if (result.rows < limit) return released;
    }
  }

  /**
   * The safety sweep: applies parked events whose dependencies are all applied. Each apply
   * already unparks the waiters of what it applies, so this must never find anything; when it
   * does, it is counted (`concord_mirror_sweep_unparked_total`) and logged.
   */
  async sweep(limit = 1000): Promise<number> {
    const result = await this.applyParked((store) => store.pendingReady(limit));
    if (!result) return 0;
    this.committed('swept', result.applied);
    return result.applied.unparked;
  }

  /**
   * One transaction under the apply lock: applies the parked rows `select` picks (none:
   * nothing to do, undefined) and notifies the feed of what it applied.
   */
  private async applyParked(
    select: (store: ProjectionStore) => Promise<readonly PendingRow[]>,
  ): Promise<{ applied: ApplyEventsResult; rows: number } | undefined> {
    const { region, registry, regions, readModels, checkpointEvery } = this.options;
    return inTransaction(this.pool, async (client) => {
      const store = new ProjectionStore(client, LIVE_SCHEMA);
      this.noteGeneration(await store.lockAndGeneration(APPLY_LOCK));
      const rows = await select(store);
      if (rows.length === 0) return undefined;
      const options = { region, registry, regions, readModels, checkpointEvery };
      const applied = await applyEvents(store, [], options, rows);
      if (applied.applied.length > 0) {
        await store.notifyApplied(
          notifyPayload(region, applied.applied.length, applied.touchedStreams),
        );
      }
      return { applied, rows: rows.length };
    });
  }

  /** Counts, reports and announces what a committed sweep applied. */
  private committed(kind: SweepKind, result: ApplyEventsResult): void {
    const { telemetry, logger } = this.options;
    const committedAt = Date.now();
    if (kind === 'released') {
      this.stats.schemaReleased += result.unparked;
      telemetry.schemaReleased.inc(result.unparked);
    } else {
      this.stats.sweepUnparked += result.unparked;
      telemetry.sweepUnparked.inc(result.unparked);
    }
    this.stats.applied += result.applied.length;
    telemetry.applied(result.applied, committedAt, committedAt);
    if (kind === 'released') {
      if (result.applied.length > 0) this.options.onApplied?.(result.applied, committedAt);
      logger.info(
        { released: result.unparked, applied: result.applied.length },
        'applied events held for their schema version (and their dependants): this code reads them',
      );
    } else {
      logger.warn(
        { unparked: result.unparked },
        'safety sweep applied parked events whose dependencies were already applied',
      );
    }
    this.options.onCommit?.();
  }
}
