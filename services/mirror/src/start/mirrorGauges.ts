import type { ConcordConfig } from '@concord/config';
import { withClient, type pg } from '@concord/postgres';
import type { Logger, Metrics } from '@concord/telemetry';
import { LIVE_SCHEMA } from '../store/locks.js';
import { outboxSummary, pendingSummary, type PendingSummary } from '../store/statusQueries.js';
import type { MirrorTelemetry } from '../telemetry/MirrorTelemetry.js';

/** The gauges read from the projection, and the last pending summary (for `stats()`). */
export interface MirrorGauges {
  /** One refresh: pending, overdue, schema-held, open conflicts, feed and DLQ backlogs. */
  refresh(): Promise<void>;
  /** The pending summary of the last refresh, if one succeeded. */
  readonly pending: PendingSummary | undefined;
}

/**
 * The gauges the mirror reads from its projection (docs/mirror.md, metrics), and the warning
 * about events parked longer than CONCORD_PARKED_ALERT_SECONDS (at most once a minute).
 */
export function mirrorGauges(deps: {
  readonly config: ConcordConfig;
  readonly pool: pg.Pool;
  readonly metrics: Metrics;
  readonly telemetry: MirrorTelemetry;
  readonly logger: Logger;
}): MirrorGauges {
  const { config, pool, metrics, telemetry, logger } = deps;
  let pending: PendingSummary | undefined;
  let lastOverdueLog = 0;
  let running: Promise<void> | undefined;
  // One refresh at a time: scrapes and the timer share the one in flight (a locked table must
  // not pile up a query per scrape on the pool).
  const refresh = () =>
    (running ??= refreshOnce().finally(() => {
      running = undefined;
    }));
  const refreshOnce = () =>
    withClient(pool, async (client) => {
      pending = await pendingSummary(client, LIVE_SCHEMA, config.limits.parkedAlertSeconds);
      const o = await outboxSummary(client, LIVE_SCHEMA);
      metrics.pendingEvents.set(pending.count);
      metrics.pendingOldest.set(pending.oldestSeconds ?? 0);
      metrics.conflictsOpen.set(o.openConflicts);
      telemetry.pendingOverdue.set(pending.overdueCount);
      telemetry.pendingSchema.reset();
      for (const k of pending.schema.kinds) {
        const labels = { category: k.category, type: k.type, version: String(k.version) };
        telemetry.pendingSchema.set(labels, k.count);
      }
      telemetry.feedBacklog.set(o.feedBacklog);
      telemetry.dlqBacklog.set(o.dlqBacklog);
      if (pending.overdueCount > 0 && Date.now() - lastOverdueLog > 60_000) {
        lastOverdueLog = Date.now();
        logger.warn(
          {
            overdue: pending.overdueCount,
            oldestSeconds: pending.oldestSeconds,
            events: pending.overdue,
          },
          `events parked longer than ${config.limits.parkedAlertSeconds} s (never dropped: waiting for their dependencies)`,
        );
      }
    });
  return {
    refresh,
    get pending() {
      return pending;
    },
  };
}
