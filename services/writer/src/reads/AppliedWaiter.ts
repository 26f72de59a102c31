import { ConcordError, type EventId, type RegionId } from '@concord/core';

/**
 * What a read can wait for: an event applied here, or every event of an origin's events
 * topic partition up to an offset (a session's position, docs/writer.md "Sessions").
 */
export type AppliedMark =
  | { readonly kind: 'event'; readonly id: EventId }
  | {
      readonly kind: 'position';
      readonly origin: RegionId;
      readonly partition: number;
      readonly offset: number;
    };

/** A mark's identity: an event id, or `<origin>/<partition>@<offset>`. */
export function markKey(mark: AppliedMark): string {
  return mark.kind === 'event' ? mark.id : `${mark.origin}/${mark.partition}@${mark.offset}`;
}

export interface AppliedWaiterOptions {
  /**
   * Pause between two checks of every awaited mark, in ms, when no wake-up came (a fallback:
   * `wake()` on the mirror's NOTIFY checks at once).
   */
  readonly intervalMs: number;
  /** Most reads waiting at once (BACKPRESSURE beyond). */
  readonly maxWaiters: number;
}

interface Waiter {
  readonly mark: AppliedMark;
  readonly key: string;
  readonly deadline: number;
  readonly resolve: (applied: boolean) => void;
}

/**
 * Read-your-writes: waits until an event (or a session's log position) is applied in this
 * region's projection. One loop checks every awaited mark with one query per round (not one
 * poller per request) — when the mirror says it applied something (`wake`), else at the
 * fallback interval — and each wait is bounded.
 */
export class AppliedWaiter {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** A wake-up came while a check ran: check again right after it. */
  private again = false;
  private closed = false;

  constructor(
    /** The keys (`markKey`) of those of `marks` that are applied. */
    private readonly applied: (marks: readonly AppliedMark[]) => Promise<Set<string>>,
    private readonly options: AppliedWaiterOptions,
  ) {}

  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true once `mark` is applied, false when `timeoutMs` passed first.
   *
   * @throws ConcordError BACKPRESSURE when too many reads already wait.
   */
  wait(mark: AppliedMark, timeoutMs: number): Promise<boolean> {
    if (this.waiters.size >= this.options.maxWaiters) {
      throw new ConcordError('BACKPRESSURE', 'too many reads waiting for their writes', {
        details: { waiting: this.waiters.size, limit: this.options.maxWaiters },
      });
    }
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.waiters.add({ mark, key: markKey(mark), deadline: Date.now() + timeoutMs, resolve });
      this.schedule(0);
    });
  }

  /**
   * Something was applied here (the mirror's `concord_applied` NOTIFY at commit): check the
   * awaited marks now instead of at the next fallback tick.
   */
  wake(): void {
    if (this.waiters.size === 0 || this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  /** Ends every wait (false) and stops the loop. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.waiters) w.resolve(false);
    this.waiters.clear();
  }

  private schedule(delayMs: number): void {
    if (this.running || this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    this.running = true;
    try {
      const marks = new Map([...this.waiters].map((w) => [w.key, w.mark]));
      let found = new Set<string>();
      try {
        found = await this.applied([...marks.values()]);
      } catch {
        // Projection unreachable: keep waiting; the deadline bounds it.
      }
      const now = Date.now();
      for (const w of [...this.waiters]) {
        if (found.has(w.key)) w.resolve(true);
        else if (now >= w.deadline) w.resolve(false);
        else continue;
        this.waiters.delete(w);
      }
    } finally {
      this.running = false;
    }
    const again = this.again;
    this.again = false;
    if (this.waiters.size > 0) this.schedule(again ? 0 : this.options.intervalMs);
  }
}
