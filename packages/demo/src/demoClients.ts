import {
  AvailabilityTracker,
  FailoverClient,
  WriterClient,
  type AvailabilityReport,
} from '@concord/chaos';
import type { ClientEvent } from '@concord/client';
import type { ConcordConfig } from '@concord/config';

/** A writer crash of the demo and what the clients did about it. */
export interface CrashRecord {
  readonly region: string;
  /** Seconds since the start of the write phase. */
  readonly atSec: number;
  /** When the crashed region's clients were home again, seconds since the start. */
  readonly backHomeSec: number | undefined;
}

/**
 * The demo's clients: one `@concord/client` per region homed there (failover, retries with
 * one idempotency key, session reads — docs/client.md), plain writer clients that wait for the
 * set-up, and the availability the workload saw.
 */
export class DemoClients {
  readonly tracker = new AvailabilityTracker();
  readonly writers: readonly FailoverClient[];
  readonly readers: readonly WriterClient[];
  private crash: { region: string; at: number; backHome?: number } | undefined;

  constructor(
    config: ConcordConfig,
    token: string,
    private readonly t0: () => number,
    private readonly note: (text: string) => void,
  ) {
    const urls = Object.fromEntries(config.regions.map((r) => [r, config.byRegion[r]!.writer.url]));
    this.writers = config.regions.map(
      (home) =>
        new FailoverClient({
          home,
          regions: urls,
          token,
          tracker: this.tracker,
          onEvent: (e) => this.onEvent(home, e),
        }),
    );
    this.readers = config.regions.map((r) => new WriterClient(r, urls[r]!, token));
  }

  /** Acknowledged / attempted writes per home region so far. */
  availability(): AvailabilityReport {
    return this.tracker.report();
  }

  /** Records that `region`'s writer was killed now (the clients' return home ends it). */
  crashed(region: string): void {
    this.crash = { region, at: Date.now() };
  }

  crashRecord(): CrashRecord | undefined {
    const c = this.crash;
    if (!c) return undefined;
    const sec = (t: number) => (t - this.t0()) / 1000;
    return { region: c.region, atSec: sec(c.at), backHomeSec: c.backHome && sec(c.backHome) };
  }

  close(): void {
    for (const c of this.writers) c.close();
  }

  private onEvent(home: string, e: ClientEvent): void {
    if (e.type !== 'failover') return;
    const back = e.reason === 'recovered' && e.to === home;
    const after = e.downMs === undefined ? '' : ` (after ${(e.downMs / 1000).toFixed(1)} s)`;
    this.note(
      e.reason === 'recovered'
        ? `client of ${home}: ${back ? 'back home' : 'back'} ${e.from}→${e.to}${after}`
        : `client of ${home}: failover ${e.from}→${e.to} (${e.reason})`,
    );
    if (back && this.crash && e.to === this.crash.region && this.crash.backHome === undefined)
      this.crash.backHome = Date.now();
  }
}
