/**
 * Which fault each failed write met, for the availability verdict (docs/chaos.md): pure.
 */

/** One injected fault as it really ran: from its injection to its heal (ms since the epoch). */
export interface FaultWindow {
  /** The fault's kind (`pause`, `broker`, …), the key of the counts. */
  readonly kind: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Counts failed writes per fault kind. A write is charged to the last fault injected before it
 * started, if that fault was still active when the write started or healed less than `tailMs`
 * before (a write started right after a heal can still meet its after-effects: a consumer
 * rejoining, a region marked down); otherwise to `none`.
 */
export function attributeFailures(
  failureStarts: readonly number[],
  windows: readonly FaultWindow[],
  tailMs: number,
): Record<string, number> {
  const sorted = [...windows].sort((a, b) => a.from - b.from);
  const counts: Record<string, number> = {};
  for (const t of failureStarts) {
    let hit: FaultWindow | undefined;
    for (const w of sorted) {
      if (w.from > t) break;
      hit = w;
    }
    const kind = hit && t <= hit.to + tailMs ? hit.kind : 'none';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
