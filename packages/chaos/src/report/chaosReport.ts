import { quantile } from '@concord/core';
import { ANOMALY_DESCRIPTIONS, ANOMALY_KINDS, type CheckResult } from '../checker/checkHistory.js';
import type { History } from '../checker/History.js';
import type { NemesisEvent } from '../nemesis/Nemesis.js';
import type { CopyCheck, PartitionRecords } from '../observe/mirrorCopies.js';
import { describeFault, type PlannedFault } from '../schedule/planFaults.js';
import type { DrainState } from '../run/drain.js';
import type { AvailabilityCount, AvailabilityReport } from '../workload/FailoverClient.js';
import type { ReportBand, ReportDocument, ReportTable } from './ReportDocument.js';
import {
  allLags,
  conflictSeries,
  failureSeries,
  lagSeries,
  throughputSeries,
} from './timeSeries.js';

export interface ChaosSummary {
  readonly seed: number;
  readonly rate: number;
  readonly durationSec: number;
  readonly faults: readonly string[];
  readonly regions: readonly string[];
  readonly startedAt: number;
  readonly plan: readonly PlannedFault[];
  readonly nemesis: readonly NemesisEvent[];
  readonly drain: DrainState;
  readonly check: CheckResult;
  /** mm2 stacks: MirrorMaker 2's copies against their sources after the drain. */
  readonly copies?: CopyCheck;
  /** `--client` runs: availability through `@concord/client`. */
  readonly availability?: AvailabilityReport;
}

/** The availability table of a `--client` run (docs/client.md). */
export function availabilityRows(a: AvailabilityReport): string[][] {
  const pct = (x: AvailabilityCount) =>
    `${x.acked}${x.refused ? ` + ${x.refused} refused` : ''}/${x.attempted} (${(100 * x.ratio).toFixed(2)} %)`;
  return [
    ['answered (acknowledged + refused by a 4xx) / attempted, overall', pct(a.overall)],
    ...Object.entries(a.byRegion).map(([r, x]) => [`  clients homed in ${r}`, pct(x)]),
    ['acknowledged by another region than home', String(a.ackedAway)],
    ['failovers / returns home', `${a.failovers} / ${a.recoveries}`],
    [
      'failover time p50 / p99 / max (writes that failed over)',
      a.failoverMs.count
        ? `${a.failoverMs.p50.toFixed(0)} / ${a.failoverMs.p99.toFixed(0)} / ${a.failoverMs.max.toFixed(0)} ms (${a.failoverMs.count})`
        : '-',
    ],
    ['stale session reads / session reads', `${a.staleReads} / ${a.sessionReads}`],
  ];
}

/** Failed writes per error code, most frequent first. */
export function failureCodes(history: History): [string, number][] {
  const counts = new Map<string, number>();
  for (const f of history.failed) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** The verdict table rows: every anomaly kind with its count. */
export function verdictRows(check: CheckResult): string[][] {
  return ANOMALY_KINDS.map((k) => [
    k,
    String(check.counts[k]),
    check.counts[k] === 0 ? 'ok' : 'FAIL',
    ANOMALY_DESCRIPTIONS[k],
  ]);
}

/** The chaos report: verdict, fault timeline, charts with every fault shaded, anomalies. */
export function chaosReport(history: History, s: ChaosSummary): ReportDocument {
  const t0 = s.startedAt;
  const bands: ReportBand[] = s.plan.map((f) => ({
    from: f.at / 1000,
    to: f.healAt / 1000,
    label: describeFault(f.action),
  }));
  const lags = allLags(history);
  const firstRegion = s.regions[0] ?? '';
  const copiesComplete = s.copies?.complete ?? true;
  const behindFlows = (s.copies?.flows ?? [])
    .filter((f) => f.behind.length > 0)
    .map((f) => `${f.origin}->${f.target}`)
    .join(', ');
  return {
    title: `Concord chaos run — seed ${s.seed}`,
    subtitle: `${s.durationSec} s at ${s.rate} ops/s across ${s.regions.join(', ')}; faults: ${s.faults.join(', ')}; drain ${(s.drain.elapsedMs / 1000).toFixed(1)} s`,
    verdict: {
      ok: s.check.ok && copiesComplete,
      text: !s.check.ok
        ? `FAIL — ${ANOMALY_KINDS.filter((k) => s.check.counts[k] > 0)
            .map((k) => `${s.check.counts[k]} ${k}`)
            .join(', ')}`
        : !copiesComplete
          ? `FAIL — MirrorMaker 2 copies behind their sources after the drain: ${behindFlows}`
          : `PASS — 0 lost, 0 duplicated, 0 causal violations, ${s.check.stats.convergedStreams}/${s.check.stats.streams} streams converged${s.copies ? '; every MirrorMaker 2 copy complete' : ''}`,
    },
    charts: [
      {
        id: 'throughput',
        title: 'Acknowledged writes per second',
        yLabel: 'writes/s',
        series: throughputSeries(history, t0),
        bands,
      },
      {
        id: 'failures',
        title: 'Failed writes per second',
        yLabel: 'writes/s',
        series: failureSeries(history, t0),
        bands,
      },
      {
        id: 'lag',
        title: 'Replication lag p99 per region pair',
        yLabel: 'ms',
        series: lagSeries(history, t0),
        bands,
        spanGaps: false,
      },
      {
        id: 'conflicts',
        title: `Conflicts detected / resolved (as seen in ${firstRegion})`,
        yLabel: 'per s',
        series: conflictSeries(history, t0, firstRegion),
        bands,
      },
    ],
    tables: [
      {
        title: 'Verdict',
        header: ['check', 'count', 'result', 'meaning'],
        rows: verdictRows(s.check),
      },
      ...(s.availability
        ? [
            {
              title: 'Availability (@concord/client)',
              header: ['metric', 'value'],
              rows: availabilityRows(s.availability),
            },
          ]
        : []),
      {
        title: 'Run',
        header: ['metric', 'value'],
        rows: [
          ['acknowledged writes', String(s.check.stats.acked)],
          ['failed writes (ambiguous)', `${s.check.stats.failed} (${s.check.stats.ambiguous})`],
          ...failureCodes(history).map(([code, count]) => [`  failed with ${code}`, String(count)]),
          ...Object.entries(s.check.stats.appliedPerRegion).map(([r, n]) => [
            `events applied in ${r}`,
            String(n),
          ]),
          ...Object.entries(s.check.stats.feedPerRegion ?? {}).map(([r, n]) => [
            `applied feed records read in ${r}`,
            String(n),
          ]),
          ['streams converged', `${s.check.stats.convergedStreams}/${s.check.stats.streams}`],
          [
            'conflicts recorded / merge events',
            `${s.check.stats.conflicts} / ${s.check.stats.merges}`,
          ],
          [
            'replication lag p50 / p99 / max',
            lags.length
              ? `${quantile(lags, 0.5)} / ${quantile(lags, 0.99)} / ${lags[lags.length - 1]} ms`
              : '-',
          ],
          [
            'drain',
            `${s.drain.converged ? 'converged' : 'NOT converged'} after ${(s.drain.elapsedMs / 1000).toFixed(1)} s`,
          ],
        ],
      },
      ...(s.copies ? [copiesTable(s.copies)] : []),
      {
        title: 'Anomalies (examples)',
        header: ['kind', 'region', 'stream', 'event', 'detail'],
        rows: s.check.anomalies.map((a) => [
          a.kind,
          a.region ?? '',
          a.stream ?? '',
          a.eventId ?? '',
          a.detail,
        ]),
      },
    ],
    timeline: s.nemesis.map((e) => ({
      t: (e.at - t0) / 1000,
      text: `${e.phase === 'error' ? 'ERROR ' : ''}${e.text}`,
    })),
  };
}

function records(r: PartitionRecords): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

/** mm2 stacks: each MirrorMaker 2 flow's copy against its source after the drain. */
function copiesTable(copies: CopyCheck): ReportTable {
  return {
    title: 'MirrorMaker 2 copies after the drain',
    header: ['flow', 'copy', 'source records', 'copied records', 'result'],
    rows: copies.flows.map((f) => [
      `${f.origin} → ${f.target}`,
      f.copy,
      String(records(f.source)),
      String(records(f.copied)),
      f.behind.length === 0 ? 'ok' : `FAIL (partitions ${f.behind.join(', ')} behind)`,
    ]),
  };
}
