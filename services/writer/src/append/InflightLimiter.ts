import { ConcordError } from '@concord/core';

/**
 * Bounds the appends a writer processes at once (config.limits.maxInflightAppends). Beyond the
 * bound a request is refused at once with BACKPRESSURE (429 + Retry-After) instead of queueing:
 * memory stays bounded whatever the offered load.
 */
export class InflightLimiter {
  private inflight = 0;

  constructor(readonly limit: number) {}

  get current(): number {
    return this.inflight;
  }

  /** True when not even one more append fits (checked before a body is read). */
  get full(): boolean {
    return this.inflight >= this.limit;
  }

  /**
   * Takes `cost` slots (a batch costs its item count, at most the whole limit so that a batch
   * larger than a tiny limit can still run alone) and returns the release function.
   *
   * @throws ConcordError BACKPRESSURE when they do not fit.
   */
  acquire(cost = 1): () => void {
    const slots = Math.max(1, Math.min(cost, this.limit));
    if (this.inflight + slots > this.limit) {
      throw new ConcordError(
        'BACKPRESSURE',
        `too many appends in flight (${this.inflight} of ${this.limit}); retry later`,
        { details: { inflight: this.inflight, limit: this.limit, requested: slots } },
      );
    }
    this.inflight += slots;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inflight -= slots;
    };
  }

  /** Resolves once nothing is in flight (graceful shutdown), or after `timeoutMs`. */
  async drained(timeoutMs: number, pollMs = 20): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return this.inflight === 0;
  }
}
