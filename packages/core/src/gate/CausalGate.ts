import type { EventId } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';
import { AppliedIdCache } from './AppliedIdCache.js';
import {
  dependenciesOf,
  DUPLICATE_KINDS,
  type AppliedLookup,
  type Causal,
  type DuplicateEvent,
  type GateDecision,
  type GateStats,
  type ParkedEvent,
} from './GateDecision.js';
import { resolveBatch, type GateIndex, type ParkedEntry } from './resolveBatch.js';

export interface CausalGateOptions<E extends Causal = Causal> {
  /** Clock for `parkedAt` (ms). Default `Date.now`. */
  now?: () => number;
  /**
   * How many applied ids the gate remembers to spare look-ups. Default 100 000; `Infinity`
   * when the gate is the only record of what is applied (tests, simulations).
   */
  appliedCacheSize?: number;
  /**
   * A pseudo-dependency an event must wait for although its real dependencies are applied, or
   * `undefined` — e.g. `registry.holdFor`, which holds events whose schema version this code
   * cannot read (`SCHEMA_UPGRADE_DEPENDENCY`). Asked when the dependencies are complete.
   * A held event stays parked with the hold as its only missing id (never applied, so nothing
   * arriving releases it) and its dependants wait for it; `restore` asks again, so code that
   * reads the event releases it on start-up. Default: nothing is held.
   */
  hold?: (event: E) => EventId | undefined;
}

/**
 * The causal gate (docs/semantics.md §3): an event is applied only after its parents and its causedBy;
 * until then it is parked. Parked events are indexed by the ids they wait for, so an arriving
 * event unparks its waiters (and theirs, across streams) without rescanning the parked set.
 *
 * Protocol, per batch (the applied set lives in the caller's store):
 * 1. `ids = gate.unknownIds(batch)` — ids whose applied status the gate does not know;
 * 2. look them up; `decision = gate.decide(batch, appliedAmongIds)` — pure, changes nothing;
 * 3. persist: apply `decision.ready` in order, store `decision.parked`, delete `decision.unparked`;
 * 4. after the commit, `gate.commit(decision)`. If the transaction failed, drop the decision.
 * On restart: `gate.restore(parkedRows, applied)` returns a decision like `decide` (its
 * `ready` part must be applied: their dependencies arrived while the process was down).
 */
export class CausalGate<E extends Causal = Causal> {
  private readonly now: () => number;
  private readonly hold: ((event: E) => EventId | undefined) | undefined;
  private readonly applied: AppliedIdCache;
  private readonly parked = new Map<EventId, ParkedEntry<E>>();
  private readonly waiters = new Map<EventId, EventId[]>();
  private generation = 0;
  private lastParkedAt = Number.NEGATIVE_INFINITY;

  constructor(options: CausalGateOptions<E> = {}) {
    this.now = options.now ?? Date.now;
    this.hold = options.hold;
    this.applied = new AppliedIdCache(options.appliedCacheSize ?? 100_000);
  }

  /** The ids (of the batch's events and of their dependencies) the caller must look up. */
  unknownIds(batch: Iterable<E>): EventId[] {
    const unknown = new Set<EventId>();
    const note = (id: EventId) => {
      if (!this.applied.has(id) && !this.parked.has(id)) unknown.add(id);
    };
    for (const event of batch) {
      note(event.id);
      for (const dep of dependenciesOf(event)) note(dep);
    }
    return [...unknown];
  }

  /**
   * Decides a batch (any order, duplicates allowed) without changing the gate. `applied`
   * answers for the ids of `unknownIds(batch)`; any id it does not name counts as not applied.
   */
  decide(batch: Iterable<E>, applied: AppliedLookup = []): GateDecision<E> {
    const isApplied = this.appliedPredicate(applied);
    const seen = new Set<EventId>();
    const duplicates: DuplicateEvent<E>[] = [];
    const incoming: E[] = [];
    for (const event of batch) {
      if (seen.has(event.id)) duplicates.push({ event, kind: DUPLICATE_KINDS.repeatedInBatch });
      else if (this.parked.has(event.id))
        duplicates.push({ event, kind: DUPLICATE_KINDS.alreadyParked });
      else if (isApplied(event.id))
        duplicates.push({ event, kind: DUPLICATE_KINDS.alreadyApplied });
      else incoming.push(event);
      seen.add(event.id);
    }
    return this.resolve(
      incoming.map((event) => ({ event, parkedAt: undefined })),
      isApplied,
      duplicates,
      false,
    );
  }

  /**
   * Restores the parked set after a restart (rows from the parked store, with their original
   * `parkedAt`). Dependencies are re-checked against `applied` (answering for
   * `unknownIds(events)`): events whose dependencies were applied meanwhile come back in
   * `ready` and `unparked`; rows already applied come back as `already-applied` duplicates
   * (delete them from the parked store). Commit the decision like any other.
   */
  restore(
    rows: Iterable<{ event: E; parkedAt: number }>,
    applied: AppliedLookup = [],
  ): GateDecision<E> {
    const isApplied = this.appliedPredicate(applied);
    const unique = new Map<EventId, { event: E; parkedAt: number }>();
    const duplicates: DuplicateEvent<E>[] = [];
    for (const row of rows) {
      const { event } = row;
      if (unique.has(event.id)) duplicates.push({ event, kind: DUPLICATE_KINDS.repeatedInBatch });
      else if (this.parked.has(event.id))
        duplicates.push({ event, kind: DUPLICATE_KINDS.alreadyParked });
      else if (isApplied(event.id))
        duplicates.push({ event, kind: DUPLICATE_KINDS.alreadyApplied });
      else unique.set(event.id, row);
    }
    const sorted = [...unique.values()].sort((a, b) => a.parkedAt - b.parkedAt);
    return this.resolve(sorted, isApplied, duplicates, true);
  }

  /**
   * Makes a persisted decision part of the gate: ready events become applied (unparking is
   * already in the decision), parked events join the parked index.
   *
   * @throws ConcordError INTERNAL (`details.reason: 'stale-decision'`) when another decision was committed since this one
   * was made (decide, persist and commit one batch at a time).
   */
  commit(decision: GateDecision<E>): void {
    if (decision.generation !== this.generation) {
      throw new ConcordError(
        'INTERNAL',
        'gate decision is stale: decide again after the last commit',
        {
          details: {
            reason: 'stale-decision',
            decision: decision.generation,
            gate: this.generation,
          },
        },
      );
    }
    this.generation++;
    for (const event of decision.ready) {
      this.applied.add(event.id);
      this.parked.delete(event.id);
      const waiting = this.waiters.get(event.id);
      if (waiting) {
        this.waiters.delete(event.id);
        for (const waiter of waiting) this.parked.get(waiter)?.missing.delete(event.id);
      }
    }
    for (const { event, missing, parkedAt } of decision.parked) {
      this.parked.set(event.id, { event, missing: new Set(missing), parkedAt });
      for (const dep of missing) this.addWaiter(dep, event.id);
    }
    // Dependencies complete (the loop above emptied `missing`), but held.
    for (const { id, hold } of decision.held) {
      const entry = this.parked.get(id);
      if (!entry) continue;
      entry.missing.clear();
      entry.missing.add(hold);
      this.addWaiter(hold, id);
    }
  }

  private addWaiter(dep: EventId, waiter: EventId): void {
    const list = this.waiters.get(dep);
    if (list) list.push(waiter);
    else this.waiters.set(dep, [waiter]);
  }

  /** Tells the gate ids are applied that did not pass through it (e.g. a rebuild). */
  markApplied(ids: Iterable<EventId>): void {
    for (const id of ids) this.applied.add(id);
  }

  isParked(id: EventId): boolean {
    return this.parked.has(id);
  }

  /** The dependencies a parked event still waits for, or `undefined` when it is not parked. */
  missingFor(id: EventId): EventId[] | undefined {
    const entry = this.parked.get(id);
    return entry ? [...entry.missing].sort() : undefined;
  }

  get parkedCount(): number {
    return this.parked.size;
  }

  /** parkedAt of the oldest parked event (ms), or `undefined` when nothing is parked. */
  oldestParkedAt(): number | undefined {
    for (const entry of this.parked.values()) return entry.parkedAt;
    return undefined;
  }

  stats(): GateStats {
    return {
      parked: this.parked.size,
      waitingOn: this.waiters.size,
      oldestParkedAt: this.oldestParkedAt(),
    };
  }

  /** Parked events older than `ageMs`, oldest first (for status and alerts). */
  parkedOlderThan(ageMs: number): ParkedEvent<E>[] {
    const cutoff = this.now() - ageMs;
    const old: ParkedEvent<E>[] = [];
    for (const entry of this.parked.values()) {
      if (entry.parkedAt > cutoff) break;
      old.push({
        event: entry.event,
        missing: [...entry.missing].sort(),
        parkedAt: entry.parkedAt,
      });
    }
    return old;
  }

  private appliedPredicate(applied: AppliedLookup): (id: EventId) => boolean {
    if (typeof applied === 'function') return (id) => this.applied.has(id) || applied(id);
    const set: ReadonlySet<EventId> = applied instanceof Set ? applied : new Set(applied);
    return (id) => this.applied.has(id) || set.has(id);
  }

  /** parkedAt values only grow, so the parked map stays ordered oldest first. */
  private stampParkedAt(): number {
    this.lastParkedAt = Math.max(this.lastParkedAt, this.now());
    return this.lastParkedAt;
  }

  private resolve(
    incoming: readonly { event: E; parkedAt: number | undefined }[],
    isApplied: (id: EventId) => boolean,
    duplicates: DuplicateEvent<E>[],
    restoring: boolean,
  ): GateDecision<E> {
    const index: GateIndex<E> = {
      parked: this.parked,
      waiters: this.waiters,
      generation: this.generation,
      hold: this.hold,
      stampParkedAt: () => this.stampParkedAt(),
    };
    const decision = resolveBatch(index, incoming, isApplied, duplicates, restoring);
    if (restoring) {
      for (const p of decision.parked) this.lastParkedAt = Math.max(this.lastParkedAt, p.parkedAt);
    }
    return decision;
  }
}
