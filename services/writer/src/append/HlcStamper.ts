import {
  hlcSuccessor,
  isConcordError,
  maxHlc,
  type EventId,
  type Hlc,
  type HybridLogicalClock,
  type RegionId,
} from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import type { HeadRef } from '../heads/HeadRef.js';
import type { ProjectionSnapshot } from '../heads/ProjectionSnapshots.js';
import { LruMap } from '../support/LruMap.js';

/**
 * The HLC stamp of an append (docs/writer.md §2 step 10) and the clock-skew metric. The clock
 * is the writer's injected `HybridLogicalClock` (startWriter.ts gives it the physical `now`).
 */
export class HlcStamper {
  /** Clocks of recent own events, for a `causedBy` not yet in the projection. */
  private readonly recentClocks = new LruMap<EventId, Hlc>(50_000);
  private readonly maxSkew = new Map<RegionId, number>();

  constructor(
    private readonly clock: HybridLogicalClock,
    private readonly region: RegionId,
    private readonly metrics: Metrics,
  ) {}

  /** Records the clock of an acknowledged own event (append or merge). */
  remember(id: EventId, hlc: Hlc): void {
    this.recentClocks.set(id, hlc);
  }

  /**
   * A stamp after every parent (and `causedBy`, when its clock is known). A parent further
   * ahead of this machine's clock than the drift bound is not allowed to drag the writer's
   * clock: the event then takes the parent's successor (causality holds), the skew is exported
   * as `concord_hlc_skew_seconds{origin}` and logged (docs/writer.md §5).
   */
  stamp(
    heads: readonly HeadRef[],
    causedBy: EventId | undefined,
    snapshot: ProjectionSnapshot,
    logger: Logger,
  ): Hlc {
    const { clock, metrics, region } = this;
    const clocks = heads.map((h) => h.hlc);
    const causeClock =
      snapshot.causedByHlc ??
      (causedBy === undefined ? undefined : this.recentClocks.get(causedBy));
    if (causeClock) clocks.push(causeClock);
    for (const head of heads) {
      if (!head.origin || head.origin === region) continue;
      const skew = clock.skewMs(head.hlc);
      if (skew > (this.maxSkew.get(head.origin) ?? 0)) {
        this.maxSkew.set(head.origin, skew);
        metrics.hlcSkew.set({ origin: head.origin }, skew / 1000);
      }
    }
    try {
      return clock.stampAfter(clocks);
    } catch (error) {
      if (!isConcordError(error, 'HLC_DRIFT_EXCEEDED')) throw error;
      logger.warn({ details: error.details }, 'a parent clock is beyond the drift bound');
      return hlcSuccessor(maxHlc(clocks)!);
    }
  }
}
