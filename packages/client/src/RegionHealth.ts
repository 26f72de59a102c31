/** Why a region stopped being a target. */
export type DownReason = 'unreachable' | 'fenced' | 'unavailable' | 'probe';

export interface RegionHealthOptions {
  /** Regions in failover order, the home region first. */
  readonly order: readonly string[];
  /** A region that went down is a target again after this long of successful probes, ms. */
  readonly recoveryMs: number;
  /** Consecutive failed probes that take a healthy region down. */
  readonly probeFailures: number;
}

interface RegionState {
  healthy: boolean;
  /** Since when every probe succeeded (undefined after a failure). */
  okSince: number | undefined;
  failedProbes: number;
  downAt: number | undefined;
  reason: DownReason | undefined;
}

export interface TargetChange {
  readonly from: string;
  readonly to: string;
  /** Why `from` was left, or 'recovered' when going back to a preferred region. */
  readonly reason: DownReason | 'recovered';
  /** How long `from` had been down when the change is a recovery, ms. */
  readonly downMs?: number;
}

/**
 * Which region a request goes to, with hysteresis (docs/client.md): a request that finds a
 * region unreachable or fenced takes it down at once; a probe takes it down after
 * `probeFailures` failures in a row; it is a target again only once probes succeeded for
 * `recoveryMs` without a break, so a region that flaps does not pull clients back and forth.
 * The target is the first healthy region in order. Pure: times are passed in.
 */
export class RegionHealth {
  private readonly states = new Map<string, RegionState>();
  private current: string;

  constructor(private readonly options: RegionHealthOptions) {
    if (options.order.length === 0) throw new Error('RegionHealth needs at least one region');
    for (const region of options.order) {
      this.states.set(region, {
        healthy: true,
        okSince: undefined,
        failedProbes: 0,
        downAt: undefined,
        reason: undefined,
      });
    }
    this.current = options.order[0]!;
  }

  /** The region requests go to now. */
  get target(): string {
    return this.current;
  }

  isHealthy(region: string): boolean {
    return this.states.get(region)?.healthy ?? false;
  }

  /** Regions to try for one request, the target first, then the other healthy ones, then the rest. */
  candidates(): string[] {
    const healthy = this.options.order.filter((r) => this.isHealthy(r) && r !== this.current);
    const down = this.options.order.filter((r) => !this.isHealthy(r) && r !== this.current);
    return [this.current, ...healthy, ...down];
  }

  /** A request found `region` unable to serve: it is down from now. */
  markDown(region: string, reason: DownReason, now: number): TargetChange | undefined {
    const state = this.states.get(region);
    if (!state) return undefined;
    if (state.healthy) {
      state.healthy = false;
      state.downAt = now;
      state.reason = reason;
    }
    state.okSince = undefined;
    return this.retarget();
  }

  /** A probe's result for `region`. */
  probed(region: string, ok: boolean, now: number): TargetChange | undefined {
    const state = this.states.get(region);
    if (!state) return undefined;
    if (!ok) {
      state.okSince = undefined;
      state.failedProbes += 1;
      if (state.healthy && state.failedProbes >= this.options.probeFailures) {
        state.healthy = false;
        state.downAt = now;
        state.reason = 'probe';
      }
      return this.retarget();
    }
    state.failedProbes = 0;
    state.okSince ??= now;
    if (!state.healthy && now - state.okSince >= this.options.recoveryMs) {
      state.healthy = true;
      const change = this.retarget(now - (state.downAt ?? now));
      state.downAt = undefined;
      state.reason = undefined;
      return change;
    }
    return undefined;
  }

  private retarget(downMs?: number): TargetChange | undefined {
    const from = this.current;
    const next = this.options.order.find((r) => this.isHealthy(r)) ?? from;
    if (next === from) return undefined;
    this.current = next;
    const fromState = this.states.get(from)!;
    if (fromState.healthy) {
      // A preferred region came back: going home.
      return { from, to: next, reason: 'recovered', ...(downMs === undefined ? {} : { downMs }) };
    }
    return { from, to: next, reason: fromState.reason ?? 'unavailable' };
  }
}
