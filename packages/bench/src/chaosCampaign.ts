import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type AvailabilityReport,
  type ChaosResult,
} from '@concord/chaos';

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
  /** `--client` runs: what the workload saw through `@concord/client` (docs/client.md). */
  readonly availability?: AvailabilityReport;
}

/** A `--client` campaign's availability over all its runs. */
export interface CampaignAvailability {
  readonly attempted: number;
  readonly acked: number;
  readonly refused: number;
  /** (acked + refused) / attempted over every run. */
  readonly ratio: number;
  /** The lowest run's ratio. */
  readonly worstRun: number;
  readonly failovers: number;
  /** The largest p99 and max failover time of the runs, ms. */
  readonly failoverP99Ms: number;
  readonly failoverMaxMs: number;
  readonly sessionReads: number;
  readonly staleReads: number;
  /** Failed writes by the fault they met, summed over the runs. */
  readonly failuresByFault: Readonly<Record<string, number>>;
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
  readonly availability?: CampaignAvailability;
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
    ...(result.availability ? { availability: result.availability } : {}),
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
  const availability = campaignAvailability(runs);
  return {
    ...settings,
    runs,
    totals,
    passed: runs.filter((r) => r.ok).length,
    acked: runs.reduce((n, r) => n + r.acked, 0),
    ...(availability ? { availability } : {}),
  };
}

/** Sums the runs' availability; undefined unless every run wrote through the client. */
export function campaignAvailability(
  runs: readonly ChaosCampaignRun[],
): CampaignAvailability | undefined {
  const reports = runs.map((r) => r.availability);
  if (reports.length === 0 || reports.some((a) => a === undefined)) return undefined;
  const all = reports as AvailabilityReport[];
  const sum = (f: (a: AvailabilityReport) => number) => all.reduce((n, a) => n + f(a), 0);
  const attempted = sum((a) => a.overall.attempted);
  const acked = sum((a) => a.overall.acked);
  const refused = sum((a) => a.overall.refused);
  return {
    attempted,
    acked,
    refused,
    ratio: attempted === 0 ? 1 : (acked + refused) / attempted,
    worstRun: Math.min(...all.map((a) => a.overall.ratio)),
    failovers: sum((a) => a.failovers),
    failoverP99Ms: Math.max(...all.map((a) => a.failoverMs.p99)),
    failoverMaxMs: Math.max(...all.map((a) => a.failoverMs.max)),
    sessionReads: sum((a) => a.sessionReads),
    staleReads: sum((a) => a.staleReads),
    failuresByFault: all.reduce<Record<string, number>>((acc, a) => {
      for (const [k, v] of Object.entries(a.failuresByFault ?? {})) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
  };
}
