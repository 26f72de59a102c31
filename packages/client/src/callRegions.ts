import { ConcordClientError } from './errors.js';
import { hedged, type Outcome } from './hedge.js';
import type { ClientMetrics } from './metrics.js';
import type { DownReason, RegionHealth, TargetChange } from './RegionHealth.js';
import type { SessionTokens } from './SessionTokens.js';
import { send, type HttpAnswer } from './transport.js';
import type { ClientEvent } from './types.js';

/** One request of a {@link ConcordClient} call, before a region is chosen. */
export interface Call {
  readonly op: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Writes fail over only when the region says it cannot write; reads also when not caught up. */
  readonly read: boolean;
  /**
   * May a second region be asked while the first is slow (docs/client.md, hedged requests)?
   * Single-shot reads only (docs/client.md: appends and event pages are not hedged).
   */
  readonly hedge?: boolean;
  /** Ask only this region (no failover): a cursor that is one region's position (`events`). */
  readonly region?: string;
  /** Send these session tokens (a merge of them) instead of the session's. */
  readonly tokens?: readonly string[];
  readonly onRetry?: ((error: ConcordClientError) => void) | undefined;
}

/** The options of the client that the call loop and the probes read (see ConcordClientOptions). */
export interface CallSettings {
  readonly regions: Readonly<Record<string, string>>;
  readonly token?: string;
  readonly attemptTimeoutMs?: number;
  readonly hedgeAfterMs?: number;
  readonly sessionWaitMs?: number;
  readonly probeIntervalMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly onEvent?: (event: ClientEvent) => void;
}

/** What one client's calls share: its settings, region health, session and instruments. */
export interface CallContext {
  readonly options: CallSettings;
  readonly health: RegionHealth;
  readonly tokens: SessionTokens;
  readonly metrics: ClientMetrics;
  readonly fetch: typeof fetch;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function downReason(error: ConcordClientError): DownReason {
  if (error.code === 'NETWORK_ERROR') return 'unreachable';
  if (error.code === 'REGION_FENCED') return 'fenced';
  return 'unavailable';
}

/** The jittered pause before retry `attempt` (docs/client.md, retries). */
export function backoff(options: CallSettings, attempt: number): number {
  const base = options.retryBaseMs ?? 50;
  const max = options.retryMaxMs ?? 1_000;
  return Math.random() * Math.min(max, base * 2 ** attempt);
}

/** Counts and reports a change of the target region, if there is one. */
export function reportChange(ctx: CallContext, change: TargetChange | undefined): void {
  if (!change) return;
  ctx.metrics.failover(change.from, change.to, change.reason);
  ctx.options.onEvent?.({ type: 'failover', ...change, at: Date.now() });
}

/**
 * Sends `call` to the target region, retrying and failing over until `deadline`
 * (docs/client.md): a region that is down is avoided at once; a read not caught up with the
 * session tries another region; other retriable errors pause (back-off or `Retry-After`).
 */
export async function callRegions<T>(
  ctx: CallContext,
  call: Call,
  deadline: number,
): Promise<{ answer: HttpAnswer<T>; region: string }> {
  const { options, health, tokens, metrics } = ctx;
  const avoid = new Set<string>();
  let lastError: ConcordClientError | undefined;
  const candidates = () => (call.region === undefined ? health.candidates() : [call.region]);
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ConcordClientError(
        'DEADLINE_EXCEEDED',
        `${call.op} did not succeed in time: ${lastError?.message ?? 'no attempt'}`,
        {
          cause: lastError,
          ...(lastError
            ? {
                region: lastError.region,
                status: lastError.status,
                details: { lastCode: lastError.code },
              }
            : {}),
        },
      );
    }
    const region = candidates().find((r) => !avoid.has(r));
    if (region === undefined) {
      // Every region refused this round: pause, then start over from the target.
      avoid.clear();
      await sleep(Math.min(backoff(options, attempt), remaining));
      continue;
    }
    // More tokens than one request carries (concurrent requests): the server merges them first.
    if (call.tokens === undefined) {
      await tokens.consolidate((oldest) => mergeTokens(ctx, oldest, deadline));
    }
    const sent = call.tokens ?? tokens.snapshot();
    const session = sent.length === 0 ? undefined : sent.join(',');
    const waitMs = options.sessionWaitMs ?? 2_000;
    const sessionWait = call.read && session !== undefined ? Math.min(waitMs, remaining) : 0;
    const path =
      sessionWait > 0
        ? `${call.path}${call.path.includes('?') ? '&' : '?'}waitMs=${Math.floor(sessionWait)}`
        : call.path;
    const attemptOn = async (target: string): Promise<Outcome<T>> => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const answer = await send<T>(ctx.fetch, {
          region: target,
          baseUrl: options.regions[target]!,
          method: call.method,
          path,
          ...(call.body === undefined ? {} : { body: call.body }),
          headers: {
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(session ? { 'concord-session': session } : {}),
            ...call.headers,
          },
          timeoutMs: Math.min(remaining, (options.attemptTimeoutMs ?? 5_000) + sessionWait),
        });
        metrics.attempt(target, call.op, 'ok', seconds(), session !== undefined);
        return { ok: true, region: target, answer };
      } catch (error) {
        if (!(error instanceof ConcordClientError)) throw error;
        metrics.attempt(target, call.op, error.code, seconds(), session !== undefined);
        return { ok: false, region: target, error };
      }
    };
    // A slow answer (a paused or overloaded writer) also asks the next region, once.
    const outcomes = await hedged(
      attemptOn,
      region,
      call.hedge ? (options.hedgeAfterMs ?? 2_000) + sessionWait : 0,
      () => candidates().find((r) => r !== region && !avoid.has(r)),
      (from, to) => options.onEvent?.({ type: 'hedge', from, to, op: call.op, at: Date.now() }),
    );
    const won = outcomes.find((o) => o.ok);
    if (won?.ok) {
      if (call.tokens === undefined) tokens.update(sent, won.answer.session);
      return { answer: won.answer, region: won.region };
    }
    let failOver = false;
    let error: ConcordClientError | undefined;
    for (const outcome of outcomes) {
      if (outcome.ok) continue;
      error = outcome.error;
      if (!error.retriable) throw error;
      lastError = error;
      call.onRetry?.(error);
      options.onEvent?.({
        type: 'retry',
        region: outcome.region,
        op: call.op,
        code: error.code,
        attempt,
        at: Date.now(),
      });
      if (error.regionDown) {
        reportChange(ctx, health.markDown(outcome.region, downReason(error), Date.now()));
        avoid.add(outcome.region);
        failOver = true; // another region now, no pause
      } else if (call.read && error.code === 'SESSION_NOT_CAUGHT_UP') {
        avoid.add(outcome.region); // another region may already have applied the session
        failOver = true;
      }
    }
    if (error && !failOver) {
      const pause = Math.max(backoff(options, attempt), (error.retryAfterS ?? 0) * 1000);
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
    }
  }
}

/** One token covering `tokens` (`POST /v1/sessions`, any region), within `deadline`. */
async function mergeTokens(
  ctx: CallContext,
  tokens: readonly string[],
  deadline: number,
): Promise<string> {
  const { answer } = await callRegions<{ session: string }>(
    ctx,
    { op: 'mergeSession', method: 'POST', path: '/v1/sessions', read: false, tokens },
    deadline,
  );
  return answer.body.session;
}
