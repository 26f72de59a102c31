import { ANOMALY_KINDS, type AnomalyKind, type ChaosResult } from '@concord/chaos';

/** One `concord chaos` run of a campaign, as recorded in bench/results/chaos.json. */
export interface ChaosCampaignRun {
  readonly seed: number;
  readonly ok: boolean;
  readonly counts: Readonly<Record<AnomalyKind, number>>;
  readonly acked: number;
  readonly failed: number;
  readonly ambiguous: number;
  readonly streams: number;
  readonly convergedStreams: number;
  readonly conflicts: number;
  readonly merges: number;
  readonly drainConverged: boolean;
  readonly drainSec: number;
  /** Fault kinds the schedule injected, in order. */
  readonly faults: readonly string[];
  readonly report: string;
}

/** bench/results/chaos.json: several seeds, same duration, rate and fault kinds. */
export interface ChaosCampaign {
  readonly durationSec: number;
  readonly rate: number;
  readonly faultKinds: readonly string[];
  readonly runs: readonly ChaosCampaignRun[];
  /** Every anomaly kind summed over the runs. */
  readonly totals: Readonly<Record<AnomalyKind, number>>;
  readonly passed: number;
  readonly acked: number;
}

/** The campaign's record of one run. */
export function campaignRun(seed: number, result: ChaosResult): ChaosCampaignRun {
  const s = result.check.stats;
  return {
    seed,
    ok: result.ok,
    counts: result.check.counts,
    acked: s.acked,
    failed: s.failed,
    ambiguous: s.ambiguous,
    streams: s.streams,
    convergedStreams: s.convergedStreams,
    conflicts: s.conflicts,
    merges: s.merges,
    drainConverged: result.drain.converged,
    drainSec: result.drain.elapsedMs / 1000,
    faults: result.faultsInjected,
    report: result.reportHtml,
  };
}

/** Sums the runs' anomalies and acknowledged writes. */
export function summarizeChaosCampaign(
  settings: { durationSec: number; rate: number; faultKinds: readonly string[] },
  runs: readonly ChaosCampaignRun[],
): ChaosCampaign {
  const totals = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])) as Record<
    AnomalyKind,
    number
  >;
  for (const run of runs) for (const k of ANOMALY_KINDS) totals[k] += run.counts[k] ?? 0;
  return {
    ...settings,
    runs,
    totals,
    passed: runs.filter((r) => r.ok).length,
    acked: runs.reduce((n, r) => n + r.acked, 0),
  };
}
