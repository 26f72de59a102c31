/**
 * Order statistics for benchmarks, reports and checks — one definition everywhere, so a p99 in
 * bench/REPORT.md, a chaos report and a demo report mean the same thing.
 */

/**
 * The value at quantile `q` (0–1) of ascending `sorted` numbers, by the nearest-rank method:
 * the smallest value such that at least `q` of the sample is ≤ it. `empty` (default NaN) for
 * an empty sample.
 */
export function quantile(sorted: readonly number[], q: number, empty = Number.NaN): number {
  if (sorted.length === 0) return empty;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A copy of `values`, ascending. */
export function ascending(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The median (nearest rank) of unsorted `values`; `empty` for none. */
export function median(values: Iterable<number>, empty = Number.NaN): number {
  return quantile(ascending(values), 0.5, empty);
}
