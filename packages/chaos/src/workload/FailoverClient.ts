import { ConcordClient, ConcordClientError, type ClientEvent } from '@concord/client';
import { quantile } from '@concord/core';
import type { AppendBody, AppendClient, AppendOutcome } from './WriterClient.js';

/** Availability as the workload saw it through `@concord/client` (docs/client.md). */
export interface AvailabilityReport {
  /**
   * Per home region: writes attempted, acknowledged (in any region) and refused by a definite
   * answer (a 4xx other than 429, e.g. DOMAIN_REJECTED: the service was there and said no);
   * `ratio` = (acked + refused) / attempted, the share of writes the deployment answered.
   */
  readonly byRegion: Readonly<Record<string, AvailabilityCount>>;
  readonly overall: AvailabilityCount;
  /** Writes acknowledged by another region than their home's. */
  readonly ackedAway: number;
  /** Target changes away from a region, and back home. */
  readonly failovers: number;
  readonly recoveries: number;
  /** Requests also sent to a second region because the first was slow (docs/client.md). */
  readonly hedges?: number;
  /**
   * Failover time: from the first failed attempt of a write that then failed over to its
   * acknowledgement elsewhere, ms (p50, p99, max over such writes).
   */
  readonly failoverMs: { count: number; p50: number; p99: number; max: number };
  /** Session reads after a write, and how many did not contain it (must be 0). */
  readonly sessionReads: number;
  readonly staleReads: number;
  /** The first stale reads, to look into: the stream, the event and the region that answered. */
  readonly staleSamples?: readonly StaleRead[];
  /** Failed writes by the fault they met (`attributeFailures`; `none`: no fault around). */
  readonly failuresByFault?: Readonly<Record<string, number>>;
}

export interface StaleRead {
  readonly stream: string;
  readonly id: string;
  readonly region: string;
  /** Did the region hold another event of the write's idempotency key (the write's effect)? */
  readonly keyFound: boolean;
  /** This client's appends in flight when the read was sent. */
  readonly inflight: number;
  readonly at: number;
  /** What the regions' projections said right after (`inspect`), and the session sent. */
  readonly inspected?: unknown;
}

export interface AvailabilityCount {
  readonly attempted: number;
  readonly acked: number;
  readonly refused: number;
  readonly ratio: number;
}

/** Collects what every failover client of a run saw. */
export class AvailabilityTracker {
  private readonly attempted = new Map<string, number>();
  private readonly acked = new Map<string, number>();
  private readonly refusedWrites = new Map<string, number>();
  private readonly failoverTimes: number[] = [];
  private ackedAway = 0;
  private failovers = 0;
  private recoveries = 0;
  private hedges = 0;
  private sessionReads = 0;
  private staleReads = 0;
  private readonly staleSamples: StaleRead[] = [];

  /*
   * Each write is counted once it settled (acknowledged, refused or failed), so a live reading
   * is never diluted by the writes in flight.
   */

  /** When each failed write started (ms since the epoch), for {@link attributeFailures}. */
  readonly failureStarts: number[] = [];

  /** A write that got no answer before its deadline; `startedAt` in ms since the epoch. */
  failed(home: string, startedAt?: number): void {
    this.attempt(home);
    if (startedAt !== undefined) this.failureStarts.push(startedAt);
  }

  ack(home: string, region: string, failedOverAfterMs: number | undefined): void {
    this.attempt(home);
    this.acked.set(home, (this.acked.get(home) ?? 0) + 1);
    if (region !== home) this.ackedAway += 1;
    if (failedOverAfterMs !== undefined) this.failoverTimes.push(failedOverAfterMs);
  }

  /** A definite refusal (4xx but 429): the deployment answered; the write is not retried. */
  refused(home: string): void {
    this.attempt(home);
    this.refusedWrites.set(home, (this.refusedWrites.get(home) ?? 0) + 1);
  }

  event(e: ClientEvent): void {
    if (e.type === 'hedge') this.hedges += 1;
    if (e.type !== 'failover') return;
    if (e.reason === 'recovered') this.recoveries += 1;
    else this.failovers += 1;
  }

  read(stale?: StaleRead): void {
    this.sessionReads += 1;
    if (!stale) return;
    this.staleReads += 1;
    if (this.staleSamples.length < 20) this.staleSamples.push(stale);
  }

  private attempt(home: string): void {
    this.attempted.set(home, (this.attempted.get(home) ?? 0) + 1);
  }

  report(): AvailabilityReport {
    const count = (attempted: number, acked: number, refused: number): AvailabilityCount => ({
      attempted,
      acked,
      refused,
      ratio: attempted === 0 ? 1 : (acked + refused) / attempted,
    });
    const byRegion: Record<string, AvailabilityCount> = {};
    let attempted = 0;
    let acked = 0;
    let refused = 0;
    for (const [region, n] of [...this.attempted].sort()) {
      const a = this.acked.get(region) ?? 0;
      const r = this.refusedWrites.get(region) ?? 0;
      byRegion[region] = count(n, a, r);
      attempted += n;
      acked += a;
      refused += r;
    }
    const times = [...this.failoverTimes].sort((x, y) => x - y);
    return {
      byRegion,
      overall: count(attempted, acked, refused),
      ackedAway: this.ackedAway,
      failovers: this.failovers,
      recoveries: this.recoveries,
      hedges: this.hedges,
      failoverMs: {
        count: times.length,
        p50: quantile(times, 0.5, 0),
        p99: quantile(times, 0.99, 0),
        max: times.at(-1) ?? 0,
      },
      sessionReads: this.sessionReads,
      staleReads: this.staleReads,
      staleSamples: this.staleSamples,
    };
  }
}

export interface FailoverClientOptions {
  readonly home: string;
  readonly regions: Readonly<Record<string, string>>;
  readonly token: string;
  readonly tracker: AvailabilityTracker;
  /** Every n-th acknowledged write is read back with the session (0: never). Default 10. */
  readonly readEvery?: number;
  readonly deadlineMs?: number;
  /** Also told of every failover and retry (e.g. for a timeline). */
  readonly onEvent?: (event: ClientEvent) => void;
  /** Looks a stale read's event up in every region's projection (a diagnostic). */
  readonly inspect?: (stream: string, id: string) => Promise<unknown>;
}

/**
 * The chaos workload's writes through `@concord/client` homed in one region: failover,
 * retries with the workload's idempotency key, and session reads that must see the write.
 */
export class FailoverClient implements AppendClient {
  readonly region: string;
  private readonly client: ConcordClient;
  private acks = 0;
  private inflight = 0;

  constructor(private readonly options: FailoverClientOptions) {
    this.region = options.home;
    this.client = new ConcordClient({
      regions: options.regions,
      home: options.home,
      token: options.token,
      deadlineMs: options.deadlineMs ?? 30_000,
      // As long as the plain WriterClient waits: on a loaded machine a slow answer is not a
      // dead region (a refused connection still fails over at once).
      attemptTimeoutMs: 10_000,
      onEvent: (e) => {
        options.tracker.event(e);
        options.onEvent?.(e);
      },
    });
  }

  async append(stream: string, body: AppendBody): Promise<AppendOutcome> {
    this.inflight += 1;
    try {
      return await this.appendOnce(stream, body);
    } finally {
      this.inflight -= 1;
    }
  }

  private async appendOnce(stream: string, body: AppendBody): Promise<AppendOutcome> {
    const started = performance.now();
    const startedAt = Date.now();
    let firstFailure: number | undefined;
    const tracker = this.options.tracker;
    try {
      const r = await this.client.append(stream, body, {
        onRetry: () => (firstFailure ??= performance.now()),
      });
      const ms = performance.now() - started;
      tracker.ack(
        this.region,
        r.region,
        firstFailure !== undefined && r.region !== this.region
          ? performance.now() - firstFailure
          : undefined,
      );
      const every = this.options.readEvery ?? 10;
      if (every > 0 && ++this.acks % every === 0)
        await this.readBack(stream, r.event.id, body.idempotencyKey);
      return {
        ok: true,
        status: r.duplicate ? 200 : 201,
        event: r.event as never,
        duplicate: r.duplicate,
        ms,
        region: r.region,
      };
    } catch (error) {
      const e =
        error instanceof ConcordClientError
          ? error
          : new ConcordClientError('NETWORK_ERROR', String(error));
      if (e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 429)
        tracker.refused(this.region);
      else tracker.failed(this.region, startedAt);
      const lastCode = typeof e.details?.['lastCode'] === 'string' ? e.details['lastCode'] : e.code;
      return {
        ok: false,
        status: e.status ?? 0,
        code: e.code === 'DEADLINE_EXCEEDED' ? `DEADLINE_EXCEEDED(${lastCode})` : e.code,
        message: e.message,
        // A retried write may have landed in an earlier attempt: only a first refusal is sure.
        ambiguous: firstFailure !== undefined || e.retriable || e.code === 'DEADLINE_EXCEEDED',
        ms: performance.now() - started,
      };
    }
  }

  close(): void {
    this.client.close();
  }

  private async readBack(stream: string, id: string, key: string | undefined): Promise<void> {
    const inflight = this.inflight;
    const session = this.client.session;
    try {
      // Every page from the region that answered the first: `from` is its fold position.
      let page = await this.client.events(stream, { limit: 1000 });
      let keyFound = false;
      for (;;) {
        if (page.events.some((e) => e.id === id)) return this.options.tracker.read();
        keyFound ||= key !== undefined && page.events.some((e) => e.idempotencyKey === key);
        if (page.next === null) {
          const at = Date.now();
          const regions = await this.options.inspect?.(stream, id).catch(String);
          const inspected = { session: sessionPayloads(session), regions };
          const stale = { stream, id, region: page.region, keyFound, inflight, at, inspected };
          return this.options.tracker.read(stale);
        }
        page = await this.client.events(stream, {
          from: page.next,
          limit: 1000,
          region: page.region,
        });
      }
    } catch {
      // No region could answer in time (e.g. every region that applied it is cut off): not a
      // stale read — the client refused rather than answering without the write.
    }
  }
}

/** The payloads of a `Concord-Session` value's tokens (a diagnostic: tokens are opaque to apps). */
function sessionPayloads(session: string): unknown[] {
  return session
    .split(',')
    .filter((t) => t.length > 0)
    .map((token) => {
      try {
        return JSON.parse(
          Buffer.from(token.split('.')[1] ?? '', 'base64url').toString(),
        ) as unknown;
      } catch {
        return token;
      }
    });
}
