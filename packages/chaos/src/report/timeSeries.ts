import { quantile } from '@concord/core';
import type { History } from '../checker/History.js';
import type { ReportSeries } from './ReportDocument.js';

/** Seconds since `t0` of a wall time, bucketed to `bucketSec`. */
function bucket(at: number, t0: number, bucketSec: number): number {
  return Math.floor((at - t0) / 1000 / bucketSec) * bucketSec;
}

function counted(
  times: readonly number[],
  t0: number,
  bucketSec: number,
  end: number,
): [number, number][] {
  const counts = new Map<number, number>();
  for (const at of times) {
    const b = bucket(at, t0, bucketSec);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const points: [number, number][] = [];
  for (let b = 0; b <= end; b += bucketSec) points.push([b, (counts.get(b) ?? 0) / bucketSec]);
  return points;
}

/** Acknowledged writes per second, per accepting region. */
export function throughputSeries(history: History, t0: number, bucketSec = 1): ReportSeries[] {
  const end = lastSecond(history, t0);
  const regions = [...new Set(history.regions.map((r) => r.region))];
  return regions.map((region) => ({
    name: `${region} acked/s`,
    points: counted(
      history.acked.filter((a) => a.region === region).map((a) => a.at),
      t0,
      bucketSec,
      end,
    ),
  }));
}

/** Failed writes per second, per region. */
export function failureSeries(history: History, t0: number, bucketSec = 1): ReportSeries[] {
  const end = lastSecond(history, t0);
  const regions = [...new Set(history.regions.map((r) => r.region))];
  return regions.map((region) => ({
    name: `${region} failed/s`,
    points: counted(
      history.failed.filter((f) => f.region === region).map((f) => f.at),
      t0,
      bucketSec,
      end,
    ),
  }));
}

/**
 * Replication lag (applied time in a region minus accept time in the origin), p99 per time
 * bucket of application, for every ordered pair origin → region (own region excluded).
 */
export function lagSeries(history: History, t0: number, q = 0.99, bucketSec = 1): ReportSeries[] {
  const series: ReportSeries[] = [];
  for (const region of history.regions) {
    const byOrigin = new Map<string, Map<number, number[]>>();
    for (const e of region.applied) {
      if (e.origin === region.region || e.acceptedAt === undefined || e.appliedAt === undefined)
        continue;
      const m = byOrigin.get(e.origin) ?? new Map<number, number[]>();
      const b = bucket(e.appliedAt, t0, bucketSec);
      const list = m.get(b) ?? [];
      list.push(e.appliedAt - e.acceptedAt);
      m.set(b, list);
      byOrigin.set(e.origin, m);
    }
    for (const [origin, buckets] of [...byOrigin].sort(([a], [b]) => a.localeCompare(b))) {
      series.push({
        name: `${origin}→${region.region} p${Math.round(q * 100)}`,
        points: [...buckets]
          .sort(([a], [b]) => a - b)
          .map(
            ([b, lags]) =>
              [
                b,
                quantile(
                  lags.sort((x, y) => x - y),
                  q,
                ),
              ] as const,
          ),
      });
    }
  }
  return series;
}

/** Conflicts detected and resolved per time bucket, as recorded by one region. */
export function conflictSeries(
  history: History,
  t0: number,
  region: string,
  bucketSec = 1,
): ReportSeries[] {
  const obs = history.regions.find((r) => r.region === region);
  if (!obs) return [];
  const end = lastSecond(history, t0);
  return [
    {
      name: `${region} detected/s`,
      points: counted(
        obs.conflicts.flatMap((c) => (c.detectedAt ? [c.detectedAt] : [])),
        t0,
        bucketSec,
        end,
      ),
    },
    {
      name: `${region} resolved/s`,
      points: counted(
        obs.conflicts.flatMap((c) => (c.resolvedAt ? [c.resolvedAt] : [])),
        t0,
        bucketSec,
        end,
      ),
    },
  ];
}

/** All replication lags of the history (ms), sorted, for summary quantiles. */
export function allLags(history: History): number[] {
  return history.regions
    .flatMap((r) =>
      r.applied
        .filter(
          (e) => e.origin !== r.region && e.acceptedAt !== undefined && e.appliedAt !== undefined,
        )
        .map((e) => e.appliedAt! - e.acceptedAt!),
    )
    .sort((a, b) => a - b);
}

function lastSecond(history: History, t0: number): number {
  const times = [
    ...history.acked.map((a) => a.at),
    ...history.failed.map((f) => f.at),
    ...history.regions.flatMap((r) => r.applied.map((e) => e.appliedAt ?? t0)),
  ];
  const max = times.reduce((m, t) => Math.max(m, t), t0);
  return Math.ceil((max - t0) / 1000);
}
