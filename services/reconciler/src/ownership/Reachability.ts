import type { RegionId } from '@concord/core';

/** What a region's reconciler looked like from here at the last probe. */
export interface PeerReachability {
  readonly region: RegionId;
  /** True unless the region has failed every probe for at least the failover time. */
  readonly reachable: boolean;
  /** When the last probe succeeded (ms since the epoch), if ever. */
  readonly lastOkAt: number | undefined;
  /** Start of the current run of failed probes, if the last probe failed. */
  readonly failingSince: number | undefined;
  /** The last failure's reason, while failing. */
  readonly lastError: string | undefined;
}

interface PeerState {
  lastOkAt: number | undefined;
  failingSince: number | undefined;
  lastError: string | undefined;
}

/**
 * How reachable the other regions' reconcilers are, as seen from this region (pure: the probe
 * loop feeds it results with their time). A region is unreachable only once every probe has
 * failed for `failoverMs` without a single success in between: one slow answer or a restart
 * shorter than the failover time never moves ownership. Until it was probed at all, a region
 * counts as reachable (its failure run starts with the first failed probe).
 */
export class Reachability {
  private readonly peers = new Map<RegionId, PeerState>();

  constructor(
    readonly self: RegionId,
    readonly failoverMs: number,
  ) {}

  /** Records a probe outcome observed at `now`. */
  record(region: RegionId, ok: boolean, now: number, error?: string): void {
    const state = this.state(region);
    if (ok) {
      state.lastOkAt = now;
      state.failingSince = undefined;
      state.lastError = undefined;
    } else {
      state.failingSince ??= now;
      state.lastError = error;
    }
  }

  /** True for this region, and for any region not failing continuously for `failoverMs`. */
  isReachable(region: RegionId, now: number): boolean {
    if (region === this.self) return true;
    const failingSince = this.peers.get(region)?.failingSince;
    return failingSince === undefined || now - failingSince < this.failoverMs;
  }

  /** The view of one region. */
  view(region: RegionId, now: number): PeerReachability {
    const state = this.peers.get(region);
    return {
      region,
      reachable: this.isReachable(region, now),
      lastOkAt: region === this.self ? now : state?.lastOkAt,
      failingSince: state?.failingSince,
      lastError: state?.lastError,
    };
  }

  private state(region: RegionId): PeerState {
    let state = this.peers.get(region);
    if (!state) {
      state = { lastOkAt: undefined, failingSince: undefined, lastError: undefined };
      this.peers.set(region, state);
    }
    return state;
  }
}
