import { Gauge } from 'prom-client';
import type { Metrics } from '@concord/telemetry';
import type { ApplierStats } from '../apply/Applier.js';
import type { OriginBacklog } from './sourceMetrics.js';

/** Whether the apply transactions commit, as `concord status` shows it (docs/operations.md, "Backlog"). */
export interface ApplyHealth {
  /** Set while transactions fail without one committing in between. */
  readonly failing: {
    readonly since: string;
    readonly seconds: number;
    readonly code: string;
    readonly message: string;
  } | null;
  /** How long the transaction now running has been open (0: none runs). */
  readonly openSeconds: number;
  readonly lastCommitAt: string | null;
}

/** `GET /v1/backlog`: answered from memory, so it answers while Postgres is down or locked. */
export interface MirrorBacklog {
  readonly region: string;
  readonly origins: readonly OriginBacklog[];
  readonly apply: ApplyHealth;
  readonly sources: readonly { readonly name: string; readonly running: boolean }[];
}

/** The apply health of the stats at `now` (ms). Pure. */
export function applyHealth(stats: Readonly<ApplierStats>, now: number): ApplyHealth {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    failing:
      stats.failingSince === undefined
        ? null
        : {
            since: new Date(stats.failingSince).toISOString(),
            seconds: Math.max(0, now - stats.failingSince) / 1000,
            code: stats.lastErrorCode ?? 'UNKNOWN',
            message: stats.lastError ?? '',
          },
    openSeconds: stats.openSince === undefined ? 0 : Math.max(0, now - stats.openSince) / 1000,
    lastCommitAt: iso(stats.lastCommitAt),
  };
}

/**
 * `concord_mirror_apply_failing_seconds` and `concord_mirror_apply_open_seconds`, read from the
 * applier's stats at each scrape (no database involved).
 */
export function registerApplyHealthMetrics(
  metrics: Metrics,
  stats: () => Readonly<ApplierStats>,
): void {
  const registers = [metrics.registry];
  const failing = new Gauge({
    name: 'concord_mirror_apply_failing_seconds',
    help: 'Seconds since apply transactions started failing with none committing since (0 while they commit).',
    registers,
    collect() {
      failing.set(applyHealth(stats(), Date.now()).failing?.seconds ?? 0);
    },
  });
  const open = new Gauge({
    name: 'concord_mirror_apply_open_seconds',
    help: 'How long the apply transaction now running has been open, in seconds (0 when none runs): a lock wait shows here.',
    registers,
    collect() {
      open.set(applyHealth(stats(), Date.now()).openSeconds);
    },
  });
}
