import {
  buildMerge,
  foldStream,
  RESOLUTION_POLICIES,
  schemaGapOf,
  type Conflict,
  type DomainModule,
  type EventId,
  type RegionId,
  type StreamId,
  type UnsignedEnvelope,
} from '@concord/core';
import { responsibility } from '../ownership/responsibility.js';

/** An open conflict as this region's projection records it. */
export interface OpenConflictRow {
  readonly id: string;
  readonly stream: StreamId;
  /** Sorted. */
  readonly heads: readonly EventId[];
}

/** What the resolution loop should do about one open conflict. */
export type ResolutionPlan =
  | {
      readonly action: 'emit';
      readonly conflict: Conflict;
      readonly merge: UnsignedEnvelope;
      readonly policy: 'lww' | 'custom';
      readonly role: 'owner' | 'failover';
      readonly owner: RegionId;
    }
  | {
      readonly action: 'skip';
      /**
       * `manual`: waits for an operator; `not-responsible`: another region resolves it;
       * `stale`: the stream's heads are no longer the conflict's (the projection is about to
       * close or supersede it); `schema-version`: the stream holds events this code cannot
       * interpret (its mirror runs newer domain code) — a merge computed from a misread would
       * differ from the other regions' merge, so it waits for this reconciler's upgrade.
       */
      readonly reason: 'manual' | 'not-responsible' | 'stale' | 'schema-version';
      readonly owner: RegionId;
      readonly responsible?: RegionId | undefined;
    };

function sameIds(a: readonly EventId[], b: readonly EventId[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((id, i) => id === sorted[i]);
}

/**
 * Decides, purely, what this region does with an open conflict (docs/semantics.md §5): skip it when
 * another region is responsible for the stream or its policy is `manual`; skip it when the
 * stream's current heads are not the conflict's any more; otherwise build the `concord.merge`
 * of the category's policy from an independent fold of the stream's stored events. The merge
 * is the same, byte for byte in everything the fold reads, whichever region builds it.
 *
 * `events` are needed only when the plan can be `emit` (pass a thunk to load them lazily).
 */
export function planResolution<S>(input: {
  readonly conflict: OpenConflictRow;
  readonly module: DomainModule<S>;
  readonly regions: readonly RegionId[];
  readonly self: RegionId;
  readonly isReachable: (region: RegionId) => boolean;
  readonly events: () => readonly UnsignedEnvelope[];
}): ResolutionPlan {
  const { conflict, module, regions, self } = input;
  const who = responsibility(conflict.stream, regions, self, input.isReachable);
  if (who.role === 'none') {
    return {
      action: 'skip',
      reason: 'not-responsible',
      owner: who.owner,
      responsible: who.responsible,
    };
  }
  if (module.policy === RESOLUTION_POLICIES.manual) {
    return { action: 'skip', reason: 'manual', owner: who.owner, responsible: self };
  }
  const events = input.events();
  if (events.some((event) => schemaGapOf(module, event) !== undefined)) {
    return { action: 'skip', reason: 'schema-version', owner: who.owner, responsible: self };
  }
  const fold = foldStream(events, module.reducer, { stream: conflict.stream });
  if (fold.heads.length < 2 || !sameIds(fold.heads, conflict.heads)) {
    return { action: 'skip', reason: 'stale', owner: who.owner, responsible: self };
  }
  const { conflict: analysed, merge } = buildMerge({ fold, module, regions });
  return {
    action: 'emit',
    conflict: analysed,
    merge,
    policy: module.policy,
    role: who.role,
    owner: who.owner,
  };
}
