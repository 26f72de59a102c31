import type { ConcordConfig, RegionId } from '@concord/config';
import type { DomainRegistry, EventId, StreamId } from '@concord/core';
import type { RegionObservation } from '../checker/History.js';
import { observeRegion } from './observeRegion.js';

export interface VerifyOutcome {
  /** True only when every region holds the same event set and the same (recomputed) state for every stream. */
  readonly converged: boolean;
  readonly streams: number;
  /** Streams whose event sets or recomputed states differ, with each region's digests. */
  readonly differing: readonly {
    readonly stream: StreamId;
    readonly byRegion: Readonly<
      Record<RegionId, { eventSetHash: string; stateHash: string } | null>
    >;
  }[];
  /** Event ids some region lacks (held by another region). */
  readonly missing: Readonly<Record<RegionId, readonly EventId[]>>;
  /** Streams whose stored projection disagrees with the independent fold, per region. */
  readonly projectionMismatches: Readonly<Record<RegionId, readonly StreamId[]>>;
  readonly observations: readonly RegionObservation[];
}

/**
 * Convergence from the stored events themselves: per region, the event-id sets and states
 * folded again from the events (never the projection compared with itself), then compared
 * across regions. Says converged only when nothing differs.
 */
export async function verifyRegions(
  config: ConcordConfig,
  registry: DomainRegistry,
): Promise<VerifyOutcome> {
  const observations = await Promise.all(
    config.regions.map((r) => observeRegion(config, r, registry)),
  );
  const ids = new Map(
    observations.map((o) => [o.region, new Set(o.applied.map((e) => e.eventId))]),
  );
  const all = new Set(observations.flatMap((o) => o.applied.map((e) => e.eventId)));
  const missing: Record<RegionId, EventId[]> = {};
  for (const [region, set] of ids) {
    const lacking = [...all].filter((id) => !set.has(id));
    if (lacking.length > 0) missing[region] = lacking;
  }
  const streams = new Set(observations.flatMap((o) => o.recomputed.map((s) => s.stream)));
  const differing: VerifyOutcome['differing'][number][] = [];
  for (const stream of [...streams].sort()) {
    const byRegion: Record<RegionId, { eventSetHash: string; stateHash: string } | null> = {};
    for (const o of observations) {
      const d = o.recomputed.find((s) => s.stream === stream);
      byRegion[o.region] = d ? { eventSetHash: d.eventSetHash, stateHash: d.stateHash } : null;
    }
    const keys = new Set(
      Object.values(byRegion).map((d) => (d ? `${d.eventSetHash}/${d.stateHash}` : 'absent')),
    );
    if (keys.size > 1) differing.push({ stream, byRegion });
  }
  const projectionMismatches: Record<RegionId, StreamId[]> = {};
  for (const o of observations) {
    const fresh = new Map(o.recomputed.map((s) => [s.stream, s]));
    const bad = o.streams
      .filter((s) => {
        const f = fresh.get(s.stream);
        return !f || f.eventSetHash !== s.eventSetHash || f.stateHash !== s.stateHash;
      })
      .map((s) => s.stream);
    if (bad.length > 0) projectionMismatches[o.region] = bad;
  }
  return {
    converged:
      differing.length === 0 &&
      Object.keys(missing).length === 0 &&
      Object.keys(projectionMismatches).length === 0,
    streams: streams.size,
    differing,
    missing,
    projectionMismatches,
    observations,
  };
}
