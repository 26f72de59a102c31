import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, type ErrorCode, isErrorCode } from '@concord/core';
import { HEALTHY_LINK, type LinkId, type LinkSettings, type LinkStatus } from './linkSettings.js';

export interface PairOptions {
  /** Only the link carrying `a`'s data to `b` (b's clients reaching a's broker). */
  readonly oneway?: boolean;
}

/**
 * Client of the link daemon's control API: the WAN fault injectors. Every method returns the
 * links it changed, as the daemon reports them after the change.
 */
export class LinkControlClient {
  private readonly base: string;

  constructor(
    private readonly config: Pick<ConcordConfig, 'regions' | 'links' | 'linkControlPort'>,
  ) {
    this.base = `http://127.0.0.1:${config.linkControlPort}`;
  }

  /** Every link with its settings, connection counts and byte counters. */
  async status(): Promise<LinkStatus[]> {
    return (await this.request<{ links: LinkStatus[] }>('GET', '/links')).links;
  }

  /** True when the daemon answers. */
  async isUp(): Promise<boolean> {
    try {
      await this.request('GET', '/health', undefined, 1000);
      return true;
    } catch {
      return false;
    }
  }

  /** Cuts `a`↔`b` (both links), or with `oneway` only the link carrying a's data to b. */
  async partition(a: RegionId, b: RegionId, options: PairOptions = {}): Promise<LinkStatus[]> {
    return this.update(this.pair(a, b, options), { cut: true });
  }

  /**
   * Restores links to healthy — not cut, no added latency, no rate limit: the pair's links
   * (both directions unless `oneway`), or every link when no pair is given.
   */
  async heal(a?: RegionId, b?: RegionId, options: PairOptions = {}): Promise<LinkStatus[]> {
    if (a === undefined && b === undefined) return this.update(this.config.links, HEALTHY_LINK);
    if (a === undefined || b === undefined) {
      throw new ConcordError('VALIDATION_FAILED', 'heal takes two regions or none');
    }
    return this.update(this.pair(a, b, options), HEALTHY_LINK);
  }

  /** One-way delay added to each direction of every stream on the pair's links; 0 clears. */
  async latency(
    a: RegionId,
    b: RegionId,
    latencyMs: number,
    options: PairOptions & { jitterMs?: number } = {},
  ): Promise<LinkStatus[]> {
    return this.update(this.pair(a, b, options), { latencyMs, jitterMs: options.jitterMs ?? 0 });
  }

  /** Token-bucket rate per direction on the pair's links, in bits/s; 0 clears. */
  async bandwidth(
    a: RegionId,
    b: RegionId,
    bitsPerSecond: number,
    options: PairOptions = {},
  ): Promise<LinkStatus[]> {
    return this.update(this.pair(a, b, options), { bandwidthBitsPerSecond: bitsPerSecond });
  }

  /** Applies any settings patch to the given links. */
  async update(links: readonly LinkId[], patch: Partial<LinkSettings>): Promise<LinkStatus[]> {
    const body = { links: links.map((l) => ({ from: l.from, to: l.to })), patch };
    return (await this.request<{ links: LinkStatus[] }>('POST', '/links', body)).links;
  }

  /** The links between `a` and `b`: a→b and b→a, or only a→b when one-way. */
  pair(a: RegionId, b: RegionId, options: PairOptions = {}): LinkId[] {
    for (const r of [a, b]) {
      if (!this.config.regions.includes(r)) {
        throw new ConcordError(
          'UNKNOWN_REGION',
          `unknown region "${r}"; configured regions: ${this.config.regions.join(', ')}`,
          {
            details: { region: r },
          },
        );
      }
    }
    if (a === b)
      throw new ConcordError(
        'VALIDATION_FAILED',
        `a link joins two different regions (got ${a} twice)`,
      );
    return options.oneway
      ? [{ from: a, to: b }]
      : [
          { from: a, to: b },
          { from: b, to: a },
        ];
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 5000,
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ConcordError(
        'STACK_NOT_RUNNING',
        `link daemon not reachable at ${this.base} — run \`concord stack up\``,
        { cause: error, retriable: false },
      );
    }
    const json = (await res.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string };
    };
    if (!res.ok) {
      const code: ErrorCode = isErrorCode(json.error?.code) ? json.error.code : 'INTERNAL';
      throw new ConcordError(code, json.error?.message ?? `link daemon answered ${res.status}`);
    }
    return json as T;
  }
}
