import { backoffDelay, type StreamId } from '@concord/core';

export interface StreamBackoffOptions {
  /** First delay after a failure, ms. Default 500. */
  readonly initialDelayMs?: number;
  /** Longest delay, ms. Default 30 000. */
  readonly maxDelayMs?: number;
  /** Random part of each delay (0–1). Default 0.2. */
  readonly jitter?: number;
  readonly random?: () => number;
}

/**
 * Per-stream back-off after a failed resolution (pure; time is passed in): the delay doubles
 * with each consecutive failure of the stream, up to a cap, and a success forgets the stream.
 * One stream that keeps failing (say, its writer refuses the merge) never slows the others.
 */
export class StreamBackoff {
  private readonly entries = new Map<StreamId, { failures: number; until: number }>();

  constructor(private readonly options: StreamBackoffOptions = {}) {}

  /** True while `stream` must not be tried. */
  blocked(stream: StreamId, now: number): boolean {
    const entry = this.entries.get(stream);
    return entry !== undefined && now < entry.until;
  }

  /** Records a failure at `now`; returns the delay before the next attempt. */
  failure(stream: StreamId, now: number): number {
    const failures = (this.entries.get(stream)?.failures ?? 0) + 1;
    const delay = backoffDelay(failures, {
      initialDelayMs: this.options.initialDelayMs ?? 500,
      maxDelayMs: this.options.maxDelayMs ?? 30_000,
      jitter: this.options.jitter ?? 0.2,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    this.entries.set(stream, { failures, until: now + delay });
    return delay;
  }

  success(stream: StreamId): void {
    this.entries.delete(stream);
  }

  /** Consecutive failures of `stream` (0 when it is not backing off). */
  failures(stream: StreamId): number {
    return this.entries.get(stream)?.failures ?? 0;
  }

  /** Streams currently held back, for status. */
  size(): number {
    return this.entries.size;
  }
}
