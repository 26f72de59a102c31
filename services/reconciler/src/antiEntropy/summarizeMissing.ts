import type { RegionId, StreamId } from '@concord/core';
import { MISSING_STATUS, type MissingEvent } from './classifyMissing.js';

/** Longest list a convergence report carries per region (docs/reconciler.md §4). */
export const LIST_CAP = 200;

/** Per region, the events it holds but cannot interpret yet (a schema version gap, not divergence). */
export function versionGaps(
  missing: readonly MissingEvent[],
): Record<RegionId, { events: number; streams: StreamId[] }> {
  const versionGaps: Record<RegionId, { events: number; streams: StreamId[] }> = {};
  for (const m of missing) {
    if (m.status !== MISSING_STATUS.schemaVersion) continue;
    const gap = (versionGaps[m.region] ??= { events: 0, streams: [] });
    gap.events++;
    if (gap.streams.length < LIST_CAP && !gap.streams.includes(m.stream))
      gap.streams.push(m.stream);
  }
  return versionGaps;
}

/** Per region, the events it lacks (the first {@link LIST_CAP}). */
export function missingByRegion(
  missing: readonly MissingEvent[],
): Record<RegionId, Omit<MissingEvent, 'region'>[]> {
  const missingByRegion: Record<RegionId, Omit<MissingEvent, 'region'>[]> = {};
  for (const m of missing) {
    const list = (missingByRegion[m.region] ??= []);
    if (list.length < LIST_CAP)
      list.push({ stream: m.stream, id: m.id, status: m.status, holders: m.holders });
  }
  return missingByRegion;
}
