import {
  allLags,
  lagSeries,
  verdictRows,
  type AvailabilityReport,
  type CheckResult,
  type History,
  type ReportBand,
  type ReportDocument,
  type ReportSeries,
} from '@concord/chaos';
import { quantile } from '@concord/core';
import type { CrashRecord } from './demoClients.js';
import type { RegionSample } from './sampleRegions.js';

/** One second of the live view, kept for the report. */
export interface DemoSample {
  readonly t: number;
  readonly writesPerSec: Readonly<Record<string, number>>;
  readonly regions: readonly RegionSample[];
  /** Cores the whole deployment used since the previous sample (/proc). */
  readonly cores?: number;
}

export interface DemoSummaryForReport {
  readonly regions: readonly string[];
  readonly durationSec: number;
  readonly isolated: string;
  readonly partition: { fromSec: number; toSec: number } | undefined;
  readonly convergedAfterHealSec: number | undefined;
  readonly verifiedAfterLastWriteSec: number | undefined;
  readonly writes: { acked: number; failed: number; transfers: number };
  readonly crash: CrashRecord | undefined;
  readonly availability: AvailabilityReport;
  readonly ok: boolean;
  readonly t0: number;
  readonly check: CheckResult;
  readonly timeline: readonly { t: number; text: string }[];
  readonly samples: readonly DemoSample[];
}

/** The demo report: lag per region pair with the partition shaded, conflicts, throughput. */
export function demoReport(history: History, s: DemoSummaryForReport): ReportDocument {
  const bands: ReportBand[] = s.partition
    ? [{ from: s.partition.fromSec, to: s.partition.toSec, label: `${s.isolated} cut off` }]
    : [];
  if (s.crash) {
    bands.push({
      from: s.crash.atSec,
      to: s.crash.backHomeSec ?? s.durationSec,
      label: `writer-${s.crash.region} killed → its clients in another region`,
    });
  }
  const a = s.availability;
  const percent = (ratio: number) => `${(100 * ratio).toFixed(2)} %`;
  const conflicts: ReportSeries[] = s.regions.flatMap((region) => [
    {
      name: `${region} open`,
      points: s.samples.map(
        (x) => [x.t, x.regions.find((r) => r.region === region)?.conflictsOpen ?? null] as const,
      ),
    },
    {
      name: `${region} resolved (total)`,
      points: s.samples.map(
        (x) =>
          [x.t, x.regions.find((r) => r.region === region)?.conflictsResolved ?? null] as const,
      ),
    },
  ]);
  const throughput: ReportSeries[] = s.regions.map((region) => ({
    name: `${region} writes/s`,
    points: s.samples.map((x) => [x.t, x.writesPerSec[region] ?? 0] as const),
  }));
  const cpu: ReportSeries[] = [
    {
      name: 'deployment CPU (cores, all processes)',
      points: s.samples.map((x) => [x.t, x.cores ?? null] as const),
    },
  ];
  const pending: ReportSeries[] = s.regions.map((region) => ({
    name: `${region} parked`,
    points: s.samples.map(
      (x) => [x.t, x.regions.find((r) => r.region === region)?.pending ?? null] as const,
    ),
  }));
  const lags = allLags(history);
  return {
    title: 'Concord — three-region demo',
    subtitle: `${s.durationSec} s of writes in ${s.regions.join(', ')}; ${s.isolated} cut off ${s.partition ? `from ${s.partition.fromSec.toFixed(0)} s to ${s.partition.toSec.toFixed(0)} s` : '(no partition)'}`,
    verdict: {
      ok: s.ok,
      text: s.ok
        ? `Converged in ${s.convergedAfterHealSec?.toFixed(1)} s after heal; every region holds identical event sets and states; every invariant held`
        : 'NOT converged, or an invariant broke — see the verdict table',
    },
    charts: [
      {
        id: 'lag',
        title: 'Replication lag p99 per region pair (origin→region)',
        yLabel: 'ms',
        series: lagSeries(history, s.t0),
        bands,
        spanGaps: false,
      },
      {
        id: 'conflicts',
        title: 'Conflicts open and resolved',
        yLabel: 'conflicts',
        series: conflicts,
        bands,
      },
      {
        id: 'cpu',
        title: 'CPU of the whole deployment (services, brokers, link daemon, Postgres, Redis)',
        yLabel: 'cores',
        series: cpu,
        bands,
      },
      {
        id: 'throughput',
        title: 'Acknowledged writes per second',
        yLabel: 'writes/s',
        series: throughput,
        bands,
      },
      {
        id: 'pending',
        title: 'Events parked by the causal gate',
        yLabel: 'events',
        series: pending,
        bands,
      },
    ],
    tables: [
      {
        title: 'Summary',
        header: ['metric', 'value'],
        rows: [
          ['acknowledged writes', String(s.writes.acked)],
          ['failed writes (excluding domain rejections)', String(s.writes.failed)],
          ['transfers (withdrawal → deposit with causedBy)', String(s.writes.transfers)],
          [
            'availability (acknowledged / attempted, through @concord/client)',
            `${percent(a.overall.ratio)} (${a.overall.acked} / ${a.overall.attempted})`,
          ],
          [
            'failovers / back home / writes acknowledged away from home',
            `${a.failovers} / ${a.recoveries} / ${a.ackedAway}`,
          ],
          [
            'failover time p50 / p99 / max (first failed attempt → acknowledged elsewhere)',
            a.failoverMs.count
              ? `${a.failoverMs.p50} / ${a.failoverMs.p99} / ${a.failoverMs.max} ms`
              : '-',
          ],
          ['stale session reads (must be 0)', `${a.staleReads} of ${a.sessionReads}`],
          [
            'converged after heal',
            s.convergedAfterHealSec === undefined ? '-' : `${s.convergedAfterHealSec.toFixed(1)} s`,
          ],
          [
            'verified identical after the last write',
            s.verifiedAfterLastWriteSec === undefined
              ? '-'
              : `${s.verifiedAfterLastWriteSec.toFixed(1)} s`,
          ],
          [
            'replication lag p50 / p99',
            lags.length ? `${quantile(lags, 0.5)} / ${quantile(lags, 0.99)} ms` : '-',
          ],
          ['streams converged', `${s.check.stats.convergedStreams}/${s.check.stats.streams}`],
          [
            'conflicts recorded / merge events',
            `${s.check.stats.conflicts} / ${s.check.stats.merges}`,
          ],
        ],
      },
      {
        title: 'Availability per home region',
        header: ['home region', 'attempted', 'acknowledged', 'availability'],
        rows: Object.entries(a.byRegion).map(([region, r]) => [
          region,
          String(r.attempted),
          String(r.acked),
          percent(r.ratio),
        ]),
      },
      {
        title: 'Invariants and guarantees',
        header: ['check', 'count', 'result', 'meaning'],
        rows: verdictRows(s.check),
      },
      {
        title: 'Account balances (every region)',
        header: ['account', ...history.regions.map((r) => r.region)],
        rows: [...new Set(history.regions.flatMap((r) => r.balances.map((b) => b.stream)))]
          .sort()
          .map((stream) => [
            stream,
            ...history.regions.map((r) =>
              String(r.balances.find((b) => b.stream === stream)?.balance ?? '-'),
            ),
          ]),
      },
    ],
    timeline: s.timeline,
  };
}
