import type { RegionId } from '@concord/core';
import type { AntiEntropy } from '../antiEntropy/AntiEntropy.js';
import type { ResolutionLoop } from '../conflicts/ResolutionLoop.js';
import type { PeerReachability, Reachability } from '../ownership/Reachability.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';

/** `GET /v1/status`: one region at a glance (what `concord status` prints). */
export interface RegionStatus {
  readonly region: RegionId;
  readonly at: string;
  readonly fenced: boolean;
  readonly fenceReason: string | null;
  readonly openConflicts: number;
  readonly conflictsLastMinute: number;
  readonly pending: { count: number; oldestSeconds: number | null };
  /** Per origin: lag p50/max of the events applied in the last minute, seconds since the last one. */
  readonly lag: Awaited<ReturnType<ReconcilerStore['lagByOrigin']>>;
  /** Confirmed divergent streams at the last comparison (null before the first). */
  readonly divergentStreams: number | null;
  readonly convergence: {
    readonly comparedAt: string;
    readonly converged: boolean;
    readonly differingStreams: number;
    readonly convergenceSeconds: number | null;
    readonly unreachable: readonly RegionId[];
  } | null;
  readonly splitBrain: { suspected: boolean; reasons: readonly string[] } | null;
  readonly peers: readonly PeerReachability[];
  readonly resolution: ResolutionLoop['totals'] & { backingOff: number };
  readonly antiEntropy: AntiEntropy['totals'];
}

export async function regionStatus(input: {
  readonly region: RegionId;
  readonly peers: readonly RegionId[];
  readonly store: ReconcilerStore;
  readonly antiEntropy: AntiEntropy;
  readonly resolution: ResolutionLoop;
  readonly reachability: Reachability;
  readonly now: () => number;
}): Promise<RegionStatus> {
  const { store, antiEntropy, resolution } = input;
  const [openConflicts, conflictsLastMinute, pending, lag, fence] = await Promise.all([
    store.openConflictCount(),
    store.conflictsDetectedWithin(60),
    store.pendingSummary(),
    store.lagByOrigin(),
    store.fence(),
  ]);
  const last = antiEntropy.last;
  return {
    region: input.region,
    at: new Date(input.now()).toISOString(),
    fenced: fence.fenced,
    fenceReason: fence.reason,
    openConflicts,
    conflictsLastMinute,
    pending,
    lag,
    divergentStreams: last ? last.divergentStreams.length : null,
    convergence: last
      ? {
          comparedAt: last.comparedAt,
          converged: last.converged,
          differingStreams: last.differingStreams.length,
          convergenceSeconds: last.convergenceSeconds,
          unreachable: Object.entries(last.regions)
            .filter(([, r]) => !r.reachable)
            .map(([r]) => r),
        }
      : null,
    splitBrain: last
      ? { suspected: last.splitBrain.suspected, reasons: last.splitBrain.reasons }
      : null,
    peers: input.peers.map((r) => input.reachability.view(r, input.now())),
    resolution: { ...resolution.totals, backingOff: resolution.backingOff },
    antiEntropy: antiEntropy.totals,
  };
}
