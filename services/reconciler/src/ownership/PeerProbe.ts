import type { RegionId } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import type { Reachability } from './Reachability.js';

/** Something that answers when the region's reconciler is alive and ready. */
export type ProbeTarget = (timeoutMs: number) => Promise<unknown>;

/**
 * Probes the other regions' reconcilers (`/readyz`: their Postgres answers and their writer
 * is up, i.e. they can resolve) every `intervalMs`, in parallel, and feeds {@link Reachability}.
 * A probe that does not answer within `timeoutMs` failed.
 */
export class PeerProbe {
  constructor(
    private readonly targets: ReadonlyMap<RegionId, ProbeTarget>,
    private readonly reachability: Reachability,
    private readonly options: {
      readonly intervalMs: number;
      readonly timeoutMs: number;
      readonly logger: Logger;
      readonly now?: () => number;
    },
  ) {}

  /** One probe of every peer. */
  async round(): Promise<void> {
    const now = this.options.now ?? Date.now;
    await Promise.all(
      [...this.targets].map(async ([region, probe]) => {
        const wasReachable = this.reachability.isReachable(region, now());
        try {
          await probe(this.options.timeoutMs);
          this.reachability.record(region, true, now());
        } catch (error) {
          this.reachability.record(region, false, now(), (error as Error).message);
        }
        const isReachable = this.reachability.isReachable(region, now());
        if (wasReachable !== isReachable) {
          const view = this.reachability.view(region, now());
          if (isReachable) this.options.logger.info({ peer: region }, 'region reachable again');
          else
            this.options.logger.warn(
              { peer: region, failingSince: view.failingSince, error: view.lastError },
              'region unreachable for the failover time: standing in for its streams where next in line',
            );
        }
      }),
    );
  }
}
