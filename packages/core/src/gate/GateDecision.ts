import type { EventId } from '../envelope/Envelope.js';

/** What the gate needs of an event: its id and the ids that must be applied before it. */
export interface Causal {
  readonly id: EventId;
  readonly parents: readonly EventId[];
  readonly causedBy?: EventId | undefined;
}

/** Why an incoming event was dropped as a duplicate (the `kind` label of `concord_duplicates_total`). */
export const DUPLICATE_KINDS = {
  /** Its id is already applied in this region. */
  alreadyApplied: 'already-applied',
  /** Its id is already parked, waiting for dependencies. */
  alreadyParked: 'already-parked',
  /** The same id came earlier in the same batch. */
  repeatedInBatch: 'repeated-in-batch',
} as const;
export type DuplicateKind = (typeof DUPLICATE_KINDS)[keyof typeof DUPLICATE_KINDS];

export interface DuplicateEvent<E> {
  readonly event: E;
  readonly kind: DuplicateKind;
}

/** An event waiting for dependencies that are not applied yet. */
export interface ParkedEvent<E> {
  readonly event: E;
  /** The direct dependencies (parents / causedBy) not applied yet, sorted. */
  readonly missing: readonly EventId[];
  /** When it was first parked (ms, from the gate's clock). */
  readonly parkedAt: number;
}

/**
 * The gate's answer for one batch. Nothing changes in the gate until the caller has persisted
 * the decision and hands it back to `commit`.
 */
export interface GateDecision<E> {
  /** The gate state this decision was computed against; `commit` refuses any other. */
  readonly generation: number;
  /**
   * Events to apply now, each after all its dependencies: incoming events whose dependencies
   * are applied, and previously parked events (of any stream) unparked by them, transitively.
   */
  readonly ready: readonly E[];
  /** Ids of previously parked events that are in `ready` (remove them from the parked store). */
  readonly unparked: readonly EventId[];
  /**
   * Incoming (or restored) events that must wait (store them as parked): for missing
   * dependencies, or held (`missing` is then the hold alone, e.g. SCHEMA_UPGRADE_DEPENDENCY).
   */
  readonly parked: readonly ParkedEvent<E>[];
  /**
   * Previously parked events whose last dependency arrived in this batch but which are held:
   * they stay parked, now missing only `hold` (update their stored `missing`).
   */
  readonly held: readonly { readonly id: EventId; readonly hold: EventId }[];
  /** Incoming events dropped as duplicates, with the reason. */
  readonly duplicates: readonly DuplicateEvent<E>[];
}

/**
 * How the caller tells the gate which ids are already applied: the ids found applied among
 * `unknownIds(batch)` (a set or list), or a synchronous lookup.
 */
export type AppliedLookup = ReadonlySet<EventId> | Iterable<EventId> | ((id: EventId) => boolean);

/** The metric view of the parked set (`concord_pending_events`, `concord_pending_oldest_seconds`). */
export interface GateStats {
  readonly parked: number;
  /** Distinct ids that parked events are waiting for. */
  readonly waitingOn: number;
  /** parkedAt of the oldest parked event, or `undefined` when none is parked. */
  readonly oldestParkedAt: number | undefined;
}

/** The dependencies of an event: parents plus causedBy, without repeats. */
export function dependenciesOf(event: Causal): EventId[] {
  const deps = [...event.parents];
  if (event.causedBy !== undefined && !deps.includes(event.causedBy)) deps.push(event.causedBy);
  return deps;
}
