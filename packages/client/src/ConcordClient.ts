import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import { backoff, callRegions, sleep, type Call, type CallContext } from './callRegions.js';
import { ConcordClientError } from './errors.js';
import { HealthProbes } from './HealthProbes.js';
import { ClientMetrics } from './metrics.js';
import { RegionHealth } from './RegionHealth.js';
import { SessionTokens } from './SessionTokens.js';
import type { HttpAnswer } from './transport.js';
import type {
  AppendInput,
  AppendResult,
  BatchItem,
  BatchResult,
  ClientEvent,
  EventsPage,
  StreamsRead,
  StreamView,
} from './types.js';

/** Options of {@link ConcordClient}; every one but `regions` and `home` has a default. */
export interface ConcordClientOptions {
  /** Writer base URL per region, e.g. `{ us: 'http://127.0.0.1:20100', eu: … }`. */
  readonly regions: Readonly<Record<string, string>>;
  /** Where writes go while it is healthy. */
  readonly home: string;
  /** Bearer API token. Default: none. */
  readonly token?: string;
  /** A session to continue (the `session` of another client). Default: a new session. */
  readonly session?: string;
  /** Failover order after `home`. Default: the other regions in the order of `regions`. */
  readonly failoverOrder?: readonly string[];
  /** Budget of one call including retries and failovers, ms. Default 10 000. */
  readonly deadlineMs?: number;
  /** Timeout of one HTTP attempt, ms (a session read adds its `waitMs`). Default 5 000. */
  readonly attemptTimeoutMs?: number;
  /**
   * A `read` or `readMany` that has no answer after this many ms also goes to the next healthy
   * region; the first success wins (a session read adds its `waitMs`). Appends and `events`
   * pages are never hedged (docs/client.md). 0 turns hedging off. Default 2 000.
   */
  readonly hedgeAfterMs?: number;
  /** How long a session read waits in one region before trying another, ms. Default 2 000. */
  readonly sessionWaitMs?: number;
  /** `/readyz` probe period, ms. Default 500. */
  readonly probeIntervalMs?: number;
  /** Successful probes needed, without a break, before a region is used again, ms. Default 5 000. */
  readonly recoveryMs?: number;
  /** Failed probes in a row that take a region out (a probe times out after 4 periods, at least 2 s). Default 3. */
  readonly probeFailures?: number;
  /** First and largest pause between retries of one region, ms (jittered). Default 50 and 1 000. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** OpenTelemetry meter. Default: the global one (`metrics.getMeter('@concord/client')`). */
  readonly meter?: Meter;
  /** Called on failovers and retries (e.g. for logs or a test's timeline). */
  readonly onEvent?: (event: ClientEvent) => void;
  /** Injected `fetch`. Default: the global one. */
  readonly fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions {
  /** Called before each retry of this call (with the error that caused it). */
  readonly onRetry?: (error: ConcordClientError) => void;
}

/**
 * A client of Concord's writer API across regions (docs/client.md): writes go to the home
 * region and fail over in order while it is unreachable or fenced; every call retries with the
 * same idempotency key within a deadline; the session token travels with every request, so a
 * read in any region sees this client's writes.
 */
export class ConcordClient {
  readonly #options: ConcordClientOptions;
  readonly #health: RegionHealth;
  readonly #tokens: SessionTokens;
  readonly #ctx: CallContext;
  readonly #probes: HealthProbes;

  constructor(options: ConcordClientOptions) {
    const regions = Object.keys(options.regions);
    if (!regions.includes(options.home)) {
      throw new ConcordClientError('CLIENT_INVALID', `home region ${options.home} has no URL`);
    }
    const rest = options.failoverOrder ?? regions.filter((r) => r !== options.home);
    const order = [options.home, ...rest.filter((r) => r !== options.home)];
    for (const r of order) {
      if (options.regions[r] === undefined)
        throw new ConcordClientError('CLIENT_INVALID', `region ${r} has no URL`);
    }
    this.#options = options;
    this.#health = new RegionHealth({
      order,
      recoveryMs: options.recoveryMs ?? 5_000,
      probeFailures: options.probeFailures ?? 3,
    });
    this.#tokens = new SessionTokens(options.session);
    this.#ctx = {
      options,
      health: this.#health,
      tokens: this.#tokens,
      metrics: new ClientMetrics(options.meter),
      fetch: options.fetch ?? fetch,
    };
    this.#probes = new HealthProbes(this.#ctx);
  }

  /** The region requests go to now. */
  get region(): string {
    return this.#health.target;
  }

  /** The session so far (give it to another client to continue it there). */
  get session(): string {
    return this.#tokens.toString();
  }

  /** Appends one event; retried with one idempotency key (generated unless given). */
  async append(
    stream: string,
    input: AppendInput,
    options: CallOptions = {},
  ): Promise<AppendResult> {
    const body = { ...input, idempotencyKey: input.idempotencyKey ?? randomUUID() };
    const { answer, region } = await this.#call<Omit<AppendResult, 'region'>>({
      op: 'append',
      method: 'POST',
      path: `/v1/streams/${encodeURIComponent(stream)}/events`,
      body,
      read: false,
      // Not hedged: both regions would append (one key, two event ids); the state counts it
      // once, but the id answered may be the no-op one, which a read-back by id then misses
      // (chaos --client: 4 of 1 903 session reads). A failover retries only after a failure.
      hedge: false,
      onRetry: options.onRetry,
    });
    return { ...answer.body, region };
  }

  /**
   * Appends up to 500 events (any streams). Items that fail retriably (e.g. OUTCOME_UNKNOWN)
   * are sent again with their idempotency keys until the deadline; the rest keep their result.
   */
  async appendBatch(items: readonly BatchItem[]): Promise<BatchResult> {
    const keyed = items.map((i) => ({ ...i, idempotencyKey: i.idempotencyKey ?? randomUUID() }));
    const results: BatchResult['results'][number][] = new Array(keyed.length);
    let open = keyed.map((_, i) => i);
    const deadline = Date.now() + (this.#options.deadlineMs ?? 10_000);
    let region = this.#health.target;
    for (let round = 0; open.length > 0; round++) {
      const { answer, region: answered } = await this.#call<{ results: BatchResult['results'] }>(
        {
          op: 'appendBatch',
          method: 'POST',
          path: '/v1/events',
          body: { events: open.map((i) => keyed[i]) },
          read: false,
        },
        deadline,
      );
      region = answered;
      const retry: number[] = [];
      answer.body.results.forEach((result, j) => {
        const index = open[j]!;
        results[index] = result;
        const code = result.error?.code;
        if (code && new ConcordClientError(code, '').retriable && Date.now() < deadline)
          retry.push(index);
      });
      if (retry.length > 0) await sleep(backoff(this.#options, round));
      open = retry;
    }
    return { results, region };
  }

  /** The stream as a region has it, including every write of this session. */
  async read(stream: string): Promise<StreamView> {
    const { answer, region } = await this.#call<StreamView>({
      op: 'read',
      method: 'GET',
      path: `/v1/streams/${encodeURIComponent(stream)}`,
      read: true,
      hedge: true,
    });
    return { ...answer.body, region };
  }

  /** Up to 100 streams as one region has them, in one read (this session's writes included). */
  async readMany(streams: readonly string[]): Promise<StreamsRead> {
    const { answer, region } = await this.#call<StreamsRead>({
      op: 'readMany',
      method: 'POST',
      path: '/v1/reads',
      body: { streams },
      read: true,
      hedge: true,
    });
    return { ...answer.body, region };
  }

  /**
   * A page of the stream's applied events in fold order (this session's writes included).
   * `from` is a position in one region's fold order: to page on, pass the previous page's
   * `region` too, so the next page comes from the same region (and waits for it, or fails,
   * rather than skipping events of another region's order).
   */
  async events(
    stream: string,
    options: { from?: number; limit?: number; region?: string } = {},
  ): Promise<EventsPage> {
    if (options.region !== undefined && this.#options.regions[options.region] === undefined)
      throw new ConcordClientError('CLIENT_INVALID', `region ${options.region} has no URL`);
    const query = new URLSearchParams();
    if (options.from !== undefined) query.set('from', String(options.from));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const q = query.size > 0 ? `?${query.toString()}` : '';
    const { answer, region } = await this.#call<EventsPage>({
      op: 'events',
      method: 'GET',
      path: `/v1/streams/${encodeURIComponent(stream)}/events${q}`,
      read: true,
      // Not hedged: `from` is a position in one region's fold order, and a page from another
      // region can skip events (chaos --client found stale session reads when it was).
      hedge: false,
      ...(options.region === undefined ? {} : { region: options.region }),
    });
    return { ...answer.body, region };
  }

  /** Stops the health probes. */
  close(): void {
    this.#probes.close();
  }

  #call<T>(
    call: Call,
    deadline = Date.now() + (this.#options.deadlineMs ?? 10_000),
  ): Promise<{ answer: HttpAnswer<T>; region: string }> {
    return callRegions<T>(this.#ctx, call, deadline);
  }
}
