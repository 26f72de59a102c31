import type { EventId } from '../envelope/Envelope.js';

/**
 * The ids the gate knows to be applied: a bounded, insertion-ordered set (oldest evicted
 * first). It only saves look-ups; the store of record (Postgres) still knows every applied id,
 * and an evicted id is simply looked up again.
 */
export class AppliedIdCache {
  private readonly ids = new Set<EventId>();

  constructor(readonly capacity: number) {}

  has(id: EventId): boolean {
    return this.ids.has(id);
  }

  add(id: EventId): void {
    if (this.capacity <= 0) return;
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
