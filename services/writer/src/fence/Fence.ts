import { ConcordError } from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import { OPEN, type FenceStatus, type FenceStore } from './FenceStore.js';

export interface FenceOptions {
  /**
   * How often the stored fence is re-read anyway, in ms. A change is normally seen at once
   * through {@link Fence.wake} (the writer LISTENs on `concord_fence`, notified by every
   * write); this slow re-read only bounds how late it is seen when that connection is down.
   */
  readonly pollMs: number;
}

/**
 * The region's fence as this writer process sees it. The truth is durable in Postgres; this
 * process re-reads it when notified of a change (`wake`, one query after the writing commit)
 * and every `pollMs` as a fallback, so a fence set through any writer of the region takes
 * effect everywhere within a second, and survives restarts. While Postgres is unreachable the
 * last known state holds (a writer that starts with Postgres down assumes "not fenced" until
 * it can read the fence: see docs/writer.md). Exported as the gauge `concord_fenced`.
 */
export class Fence {
  private status: FenceStatus = OPEN;
  private known = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly store: FenceStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: FenceOptions,
  ) {
    metrics.fenced.set(0);
  }

  get fenced(): boolean {
    return this.status.fenced;
  }

  /** The last status read or written, and whether it was ever read from the store. */
  get current(): FenceStatus & { readonly known: boolean } {
    return { ...this.status, known: this.known };
  }

  /** @throws ConcordError REGION_FENCED while the region refuses writes. */
  assertOpen(): void {
    if (!this.status.fenced) return;
    throw new ConcordError(
      'REGION_FENCED',
      `region writes are fenced${this.status.reason ? `: ${this.status.reason}` : ''}`,
      {
        details: {
          reason: this.status.reason,
          since: this.status.updatedAt,
        },
      },
    );
  }

  /** Reads the stored fence once (failures tolerated) and starts polling. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
  }

  /** Re-reads the stored fence now (a change was announced, or the listener reconnected). */
  wake(): void {
    this.polling ??= this.refresh().finally(() => {
      this.polling = undefined;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /**
   * Sets or lifts the fence durably, then applies it in this process at once.
   *
   * @throws ConcordError STORE_UNAVAILABLE when Postgres cannot record it.
   */
  async set(fenced: boolean, reason: string | null, updatedBy: string): Promise<FenceStatus> {
    const status = await this.store.write(fenced, reason, updatedBy);
    this.apply(status);
    return status;
  }

  private async refresh(): Promise<void> {
    try {
      this.apply(await this.store.read());
    } catch (error) {
      this.logger.debug({ err: error }, 'fence: cannot read the stored fence; keeping the last');
    }
  }

  private apply(status: FenceStatus): void {
    const changed = status.fenced !== this.status.fenced || !this.known;
    this.status = status;
    this.known = true;
    this.metrics.fenced.set(status.fenced ? 1 : 0);
    if (changed && (status.fenced || status.updatedAt !== null)) {
      this.logger.warn(
        { fenced: status.fenced, reason: status.reason, updatedBy: status.updatedBy },
        status.fenced ? 'region fenced: writes refused' : 'region fence lifted: writes accepted',
      );
    }
  }
}
