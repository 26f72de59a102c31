import { ConcordError, type EventId } from '@concord/core';

export interface AppliedWaiterOptions {
  /** Pause between two checks of every awaited id, in ms. */
  readonly intervalMs: number;
  /** Most reads waiting at once (BACKPRESSURE beyond). */
  readonly maxWaiters: number;
}

interface Waiter {
  readonly id: EventId;
  readonly deadline: number;
  readonly resolve: (applied: boolean) => void;
}

/**
 * Read-your-writes: waits until an event is applied in this region's projection. One loop
 * checks every awaited id with one query per tick (not one poller per request), and each
 * wait is bounded.
 */
export class AppliedWaiter {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly applied: (ids: readonly EventId[]) => Promise<Set<EventId>>,
    private readonly options: AppliedWaiterOptions,
  ) {}

  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true once `id` is applied, false when `timeoutMs` passed first.
   *
   * @throws ConcordError BACKPRESSURE when too many reads already wait.
   */
  wait(id: EventId, timeoutMs: number): Promise<boolean> {
    if (this.waiters.size >= this.options.maxWaiters) {
      throw new ConcordError('BACKPRESSURE', 'too many reads waiting for their writes', {
        details: { waiting: this.waiters.size, limit: this.options.maxWaiters },
      });
    }
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.waiters.add({ id, deadline: Date.now() + timeoutMs, resolve });
      this.schedule(0);
    });
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
      const ids = [...new Set([...this.waiters].map((w) => w.id))];
      let found = new Set<EventId>();
      try {
        found = await this.applied(ids);
      } catch {
        // Projection unreachable: keep waiting; the deadline bounds it.
      }
      const now = Date.now();
      for (const w of [...this.waiters]) {
        if (found.has(w.id)) w.resolve(true);
        else if (now >= w.deadline) w.resolve(false);
        else continue;
        this.waiters.delete(w);
      }
    } finally {
      this.running = false;
    }
    if (this.waiters.size > 0) this.schedule(this.options.intervalMs);
  }
}
