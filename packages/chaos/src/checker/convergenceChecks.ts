import type { EventId, RegionId } from '@concord/core';
import type { Anomaly } from './anomalies.js';
import type { RegionObservation } from './History.js';
import { short } from './regionChecks.js';

/*
 * The checks across regions (docs/chaos.md): every stream converged to one event set and
 * state, every conflict resolved by one merge with one content.
 */

export function checkConvergence(
  regions: readonly RegionObservation[],
  report: (a: Anomaly) => void,
): { streams: number; converged: number } {
  const streams = new Set(regions.flatMap((r) => r.recomputed.map((s) => s.stream)));
  const byRegion = regions.map((r) => ({
    region: r.region,
    digests: new Map(r.recomputed.map((s) => [s.stream, s])),
  }));
  let converged = 0;
  for (const stream of [...streams].sort()) {
    const digests = byRegion.map((r) => ({ region: r.region, digest: r.digests.get(stream) }));
    const sets = new Set(digests.map((d) => d.digest?.eventSetHash ?? 'absent'));
    const states = new Set(digests.map((d) => d.digest?.stateHash ?? 'absent'));
    if (sets.size === 1 && states.size === 1) {
      converged++;
      continue;
    }
    report({
      kind: 'unconverged',
      stream,
      detail: digests
        .map(
          (d) =>
            `${d.region}: ${d.digest ? `${short(d.digest.eventSetHash)}/${short(d.digest.stateHash)}` : 'absent'}`,
        )
        .join(', '),
    });
  }
  return { streams: streams.size, converged };
}

export function checkResolutions(
  regions: readonly RegionObservation[],
  report: (a: Anomaly) => void,
): number {
  // Automated merges of one conflict (same stream, same parents) must be one event everywhere.
  const mergesByParents = new Map<string, Set<EventId>>();
  for (const r of regions) {
    for (const e of r.applied) {
      if (e.type !== 'concord.merge') continue;
      const key = `${e.stream}\u0000${[...e.parents].sort().join(',')}`;
      const ids = mergesByParents.get(key) ?? new Set<EventId>();
      ids.add(e.eventId);
      mergesByParents.set(key, ids);
    }
  }
  for (const [key, ids] of mergesByParents) {
    if (ids.size > 1) {
      report({
        kind: 'divergent-resolution',
        stream: key.split('\u0000')[0],
        detail: `one conflict merged by ${ids.size} different events: ${[...ids].join(', ')}`,
      });
    }
  }
  // One merge id must carry the same content everywhere (its fields are a pure function of
  // the conflict). Which event resolved a conflict *in a region's arrival order* may differ
  // legitimately, so that is not compared; the final heads and states are.
  const contentById = new Map<EventId, Map<string, RegionId[]>>();
  for (const r of regions) {
    for (const e of r.applied) {
      if (e.type !== 'concord.merge' || e.contentHash === undefined) continue;
      const m = contentById.get(e.eventId) ?? new Map<string, RegionId[]>();
      m.set(e.contentHash, [...(m.get(e.contentHash) ?? []), r.region]);
      contentById.set(e.eventId, m);
    }
  }
  for (const [id, byContent] of contentById) {
    if (byContent.size > 1) {
      report({
        kind: 'divergent-resolution',
        eventId: id,
        detail: `merge ${id} has different content in ${[...byContent.values()].map((rs) => rs.join('+')).join(' vs ')}`,
      });
    }
  }
  return [...mergesByParents.values()].reduce((n, s) => n + s.size, 0);
}
