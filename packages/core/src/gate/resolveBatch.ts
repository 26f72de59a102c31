import type { EventId } from '../envelope/Envelope.js';
import {
  dependenciesOf,
  type Causal,
  type DuplicateEvent,
  type GateDecision,
  type ParkedEvent,
} from './GateDecision.js';

/*
 * The pure half of the causal gate (docs/semantics.md §3): given the gate's parked index, which
 * events of a batch are ready, which stay parked, which parked ones they release. Changes
 * nothing; CausalGate commits the result.
 */

export interface ParkedEntry<E> {
  readonly event: E;
  readonly missing: Set<EventId>;
  readonly parkedAt: number;
}

interface Pending<E> {
  readonly event: E;
  readonly missing: Set<EventId>;
  readonly parkedAt: number | undefined;
}

/** What `resolveBatch` reads of the gate. */
export interface GateIndex<E> {
  readonly parked: ReadonlyMap<EventId, ParkedEntry<E>>;
  readonly waiters: ReadonlyMap<EventId, readonly EventId[]>;
  readonly generation: number;
  readonly hold: ((event: E) => EventId | undefined) | undefined;
  /** A parkedAt for a newly parked event (never smaller than the previous one). */
  stampParkedAt(): number;
}

/**
 * Resolves deduplicated incoming events (`parkedAt` set when restored) against the parked
 * index: ready events in dependency order, transitively unparking parked ones.
 */
export function resolveBatch<E extends Causal>(
  gate: GateIndex<E>,
  incoming: readonly { event: E; parkedAt: number | undefined }[],
  isApplied: (id: EventId) => boolean,
  duplicates: DuplicateEvent<E>[],
  restoring: boolean,
): GateDecision<E> {
  const pending = new Map<EventId, Pending<E>>();
  const batchWaiters = new Map<EventId, EventId[]>();
  const queue: EventId[] = [];
  for (const { event, parkedAt } of incoming) {
    const missing = new Set<EventId>();
    for (const dep of dependenciesOf(event)) {
      if (!isApplied(dep)) missing.add(dep);
    }
    pending.set(event.id, { event, missing, parkedAt });
    if (missing.size === 0) queue.push(event.id);
    for (const dep of missing) {
      const list = batchWaiters.get(dep);
      if (list) list.push(event.id);
      else batchWaiters.set(dep, [event.id]);
    }
  }
  // Counts of still-missing dependencies of previously parked events touched by this batch;
  // the parked entries themselves stay untouched until commit.
  const remaining = new Map<EventId, number>();
  const ready: E[] = [];
  const unparked: EventId[] = [];
  const held: { id: EventId; hold: EventId }[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as EventId;
    const own = pending.get(id);
    const hold = gate.hold?.(own ? own.event : (gate.parked.get(id) as ParkedEntry<E>).event);
    if (hold !== undefined) {
      // Complete but held: it stays parked, and whatever waits for it keeps waiting.
      if (own) own.missing.add(hold);
      else held.push({ id, hold });
      continue;
    }
    if (own) {
      ready.push(own.event);
      if (restoring) unparked.push(id);
    } else {
      const entry = gate.parked.get(id) as ParkedEntry<E>;
      ready.push(entry.event);
      unparked.push(id);
    }
    for (const waiter of batchWaiters.get(id) ?? []) {
      const next = pending.get(waiter) as Pending<E>;
      next.missing.delete(id);
      if (next.missing.size === 0) queue.push(waiter);
    }
    for (const waiter of gate.waiters.get(id) ?? []) {
      const entry = gate.parked.get(waiter);
      if (!entry) continue;
      const left = (remaining.get(waiter) ?? entry.missing.size) - 1;
      remaining.set(waiter, left);
      if (left === 0) queue.push(waiter);
    }
  }
  const parked: ParkedEvent<E>[] = [];
  for (const { event, missing, parkedAt } of pending.values()) {
    if (missing.size === 0) continue;
    parked.push({
      event,
      missing: [...missing].sort(),
      parkedAt: parkedAt ?? gate.stampParkedAt(),
    });
  }
  return { generation: gate.generation, ready, unparked, parked, held, duplicates };
}
