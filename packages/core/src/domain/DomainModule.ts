import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import type { JsonObject } from '../json/JsonValue.js';
import type { StreamFold } from '../fold/StreamFold.js';
import type { EventSchema } from './EventSchema.js';
import { normalizeDomain } from './normalizeDomain.js';

/**
 * The pure state machine of a category: `evolve` folds one event into the state. It must be
 * total and deterministic (no clock, no randomness, no IO, never throw for a valid envelope)
 * and must not mutate its input: the fold keeps earlier states as snapshots. States must be
 * JSON values, because their canonical JSON is what the state digest hashes. The author's
 * `evolve` sees every event at the schema version the module reads (see `events`).
 */
export interface Reducer<S> {
  initialState(): S;
  evolve(state: S, event: UnsignedEnvelope): S;
}

/** How the conflicts of a category are resolved (docs/semantics.md §5). */
export const RESOLUTION_POLICIES = {
  /** The fold already chose per-field winners; the merge records them. */
  lww: 'lww',
  /** A pure resolver of the domain module computes the merge's data. */
  custom: 'custom',
  /** Stays open until an operator resolves it. */
  manual: 'manual',
} as const;
export type ResolutionPolicy = (typeof RESOLUTION_POLICIES)[keyof typeof RESOLUTION_POLICIES];

/** The events of a stream reachable from one head but not common to all heads. */
export interface ConflictBranch {
  readonly head: EventId;
  /** In fold order. With three or more heads, an event can be in several branches. */
  readonly events: readonly EventId[];
}

/** A field written concurrently by more than one branch, and who wins it in fold order. */
export interface ContestedField {
  /** A JSON Pointer into the state (or a domain-defined name). */
  readonly field: string;
  /** The concurrent writers, in fold order. */
  readonly writers: readonly EventId[];
  /** The event whose write the fold kept (for `lww`), when the domain can tell. */
  readonly winner?: EventId;
}

/** Everything a resolver may read: all of it is a pure function of the stream's causal past. */
export interface ConflictContext<S> {
  readonly stream: StreamId;
  readonly category: string;
  readonly conflictId: string;
  /** Sorted. */
  readonly heads: readonly EventId[];
  /** The whole stream, folded (its `order` is the fold order of every applied event). */
  readonly fold: StreamFold<S>;
  readonly branches: readonly ConflictBranch[];
  /** Events in the causal past of every head (before the fork). */
  readonly common: ReadonlySet<EventId>;
  /** The events not in `common`, in fold order. */
  readonly sinceFork: readonly UnsignedEnvelope[];
  /** True when the two events are in different branches and neither is an ancestor of the other. */
  concurrent(a: EventId, b: EventId): boolean;
  /** The fold of one head's causal past: what that branch's writer saw (memoised). */
  foldPast(head: EventId): StreamFold<S>;
}

/** An operator's resolution of a conflict: keep one branch's state, or apply a patch. */
export type ManualResolution = { readonly choose: EventId } | { readonly patch: JsonObject };

/** A command as the writer receives it, before it becomes an envelope. */
export interface DomainCommand {
  readonly stream: StreamId;
  readonly type: string;
  readonly data: JsonObject;
  readonly idempotencyKey?: string | undefined;
  readonly causedBy?: EventId | undefined;
}

/** What decides the content of a category's merges (one resolver version). */
export type ResolverHooks<S> = Pick<
  DomainModule<S>,
  'policy' | 'resolve' | 'contestedFields' | 'manualMerge'
>;

/**
 * A domain module: what Concord knows of one stream category. Written by users against the
 * public API of @concord/core; register it in a {@link DomainRegistry}.
 */
export interface DomainModule<S = unknown> {
  /** The category it serves (`account` serves `account-42`, `account:7`). */
  readonly category: string;
  readonly reducer: Reducer<S>;
  /**
   * The event types it interprets, each with its schema version and the upcasters from older
   * versions (docs/schema-evolution.md). Absent: any type, version 1 only. Present: exactly
   * these types. An event of another type, or of a newer version than the module reads, is one
   * it cannot interpret: a region running this module parks it until its code is upgraded.
   * The reducer and the conflict hooks see every event upcast to the version the module reads.
   */
  readonly events?: Readonly<Record<string, EventSchema>>;
  readonly policy: ResolutionPolicy;
  /** For `custom`: the merge's data (a JSON object), a pure function of the context. */
  resolve?(context: ConflictContext<S>): JsonObject;
  /** The fields written concurrently by several branches, where the domain can tell. */
  contestedFields?(context: ConflictContext<S>): readonly ContestedField[];
  /**
   * The data of an operator's merge for this domain. Default: `{ resolution }`; the merge-patch
   * domain turns it into a `patch` its reducer applies.
   */
  manualMerge?(context: ConflictContext<S>, resolution: ManualResolution): JsonObject;
  /**
   * The version of this module's conflict resolution (`policy`, `resolve`, `contestedFields`,
   * `manualMerge`): an integer ≥ 1, default 1. Bump it in any release that changes what a merge
   * of this category contains; a merge records the version that computed it (`data.resolver`,
   * absent for 1) and every mirror recomputes it with that version before applying it. A merge
   * of a version this code does not judge is held until the region is upgraded
   * (docs/decisions/0007-merge-validation.md).
   */
  readonly resolverVersion?: number;
  /**
   * The conflict hooks of earlier resolver versions this release still judges, by version: keep
   * a version here until no merge it computed can still be in flight, or regions that upgrade
   * first hold those merges until every region has.
   */
  readonly previousResolvers?: Readonly<Record<number, ResolverHooks<S>>>;
  /**
   * Called by the writer before a command is appended, with the current (possibly stale)
   * projection state: returns the data to write (possibly enriched), in the version the module
   * reads (the writer downcasts it to the write version), or throws
   * ConcordError('DOMAIN_REJECTED'). Must be pure. Accepting the payloads of older clients is
   * its job too.
   */
  prepare?(state: S, command: DomainCommand): JsonObject;
}

/**
 * Infers `S` for a module literal, checks its event schemas and returns it with the upcasting
 * reducer (see `normalizeDomain`).
 *
 * @throws ConcordError VALIDATION_FAILED for an inconsistent schema (a missing upcaster…).
 */
export function defineDomain<S>(module: DomainModule<S>): DomainModule<S> {
  return normalizeDomain(module);
}
