import type { Envelope } from '@concord/core';

export interface AppendBody {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly idempotencyKey?: string;
  readonly causedBy?: string;
  readonly expectedHeads?: readonly string[];
}

export type AppendOutcome =
  | {
      readonly ok: true;
      readonly status: number;
      readonly event: Envelope;
      readonly duplicate: boolean;
      readonly ms: number;
      /** The region that accepted the write, when a failover client sent it elsewhere. */
      readonly region?: string;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code: string;
      readonly message: string;
      /**
       * The write may still have happened: 503 OUTCOME_UNKNOWN, a 500, a timeout, a lost
       * connection. Only a 4xx or a definite 5xx is a failure whose value must be applied
       * nowhere.
       */
      readonly ambiguous: boolean;
      readonly ms: number;
    };

/** The writer's 5xx codes answered before anything was produced (docs/writer.md). */
const DEFINITE_5XX = new Set([
  'BUS_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'CACHE_UNAVAILABLE',
  'REGION_FENCED',
  'TIMEOUT',
]);

/**
 * A 5xx answer that says nothing was written (docs/decisions/0006-outcome-unknown.md):
 * OUTCOME_UNKNOWN, INTERNAL or an unknown code leave the outcome open.
 */
function definite(error: { code?: string; details?: { ambiguous?: boolean } } | undefined) {
  return DEFINITE_5XX.has(error?.code ?? '') && error?.details?.ambiguous !== true;
}

/** What the workload writes through: one region's writer, or a failover client homed there. */
export interface AppendClient {
  /** The region the client writes to (its home region for a failover client). */
  readonly region: string;
  append(stream: string, body: AppendBody): Promise<AppendOutcome>;
}

/**
 * A thin client of a region's writer API (docs/writer.md §1), as an application would use it.
 * It never throws for a failed write: the outcome says what the client knows.
 */
export class WriterClient implements AppendClient {
  constructor(
    readonly region: string,
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async append(stream: string, body: AppendBody): Promise<AppendOutcome> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.baseUrl}/v1/streams/${encodeURIComponent(stream)}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const ms = performance.now() - started;
      const json = (await res.json().catch(() => ({}))) as {
        event?: Envelope;
        duplicate?: boolean;
        error?: { code?: string; message?: string; details?: { ambiguous?: boolean } };
      };
      if ((res.status === 201 || res.status === 200) && json.event) {
        return {
          ok: true,
          status: res.status,
          event: json.event,
          duplicate: json.duplicate === true,
          ms,
        };
      }
      return {
        ok: false,
        status: res.status,
        code: json.error?.code ?? `HTTP_${res.status}`,
        message: json.error?.message ?? res.statusText,
        ambiguous: res.status >= 500 && !definite(json.error),
        ms,
      };
    } catch (error) {
      return {
        ok: false,
        status: 0,
        code: (error as Error).name === 'TimeoutError' ? 'CLIENT_TIMEOUT' : 'CONNECTION_FAILED',
        message: (error as Error).message,
        ambiguous: true,
        ms: performance.now() - started,
      };
    }
  }

  /** `GET /v1/streams/{stream}`; undefined when the stream is unknown here. */
  async readStream(
    stream: string,
    after?: { eventId: string; waitMs: number },
  ): Promise<Record<string, unknown> | undefined> {
    const query = after ? `?after=${encodeURIComponent(after.eventId)}&waitMs=${after.waitMs}` : '';
    const res = await fetch(`${this.baseUrl}/v1/streams/${encodeURIComponent(stream)}${query}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(this.timeoutMs + (after?.waitMs ?? 0)),
    });
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new Error(`GET ${stream} in ${this.region}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  }
}
