import { ConcordError, dependenciesOf, type EventId } from '@concord/core';
import type { AppliedRef, Candidate, Rejection } from './ApplyTypes.js';

/**
 * The gate protocol of an apply transaction (gatePass, its GateStore port) is core's
 * (packages/core/src/gate/gatePass.ts); ProjectionStore implements the port. What stays here
 * is the screen of the ready events against what only the store can see.
 */
export { gatePass, type GatePassResult, type GateStore, type ParkedCandidate } from '@concord/core';

/** The outcome of {@link screenReady}. */
export interface ScreenResult {
  readonly accepted: readonly Candidate[];
  /** Events that can never be applied: to the DLQ. */
  readonly rejected: readonly { readonly candidate: Candidate; readonly rejection: Rejection }[];
  /** Events that depend on a rejected one: they stay parked, waiting for it forever. */
  readonly deferred: readonly {
    readonly candidate: Candidate;
    readonly missing: readonly EventId[];
  }[];
}

/**
 * Refuses ready events that break the stream contract in a way only the store can see: a
 * parent in another stream (`parents` are the heads of the event's own stream, docs/semantics.md §1).
 * Signed by a region yet unfoldable, such an event goes to the DLQ (ENVELOPE_INVALID, field
 * `parents`) identically in every region, and its descendants stay parked on it. Without
 * this, one such record would make every apply transaction fail. Events in `refuse` (isolated
 * by the Applier after their apply failed deterministically, docs/mirror.md "Bad records") are
 * refused alike, with their rejection.
 */
export function screenReady(
  ready: readonly Candidate[],
  applied: ReadonlyMap<EventId, AppliedRef>,
  refuse: ReadonlyMap<EventId, Rejection> = new Map(),
): ScreenResult {
  const streamOf = new Map<EventId, string>();
  const refused = new Set<EventId>();
  const accepted: Candidate[] = [];
  const rejected: { candidate: Candidate; rejection: Rejection }[] = [];
  const deferred: { candidate: Candidate; missing: EventId[] }[] = [];
  for (const candidate of ready) {
    const blocked = dependenciesOf(candidate).filter((id) => refused.has(id));
    if (blocked.length > 0) {
      deferred.push({ candidate, missing: blocked.sort() });
      refused.add(candidate.id);
      continue;
    }
    const refusal = refuse.get(candidate.id);
    if (refusal) {
      rejected.push({ candidate, rejection: refusal });
      refused.add(candidate.id);
      continue;
    }
    let wrong: { parent: EventId; stream: string } | undefined;
    for (const parent of candidate.parents) {
      const stream = streamOf.get(parent) ?? applied.get(parent)?.stream;
      if (stream === undefined) {
        throw new ConcordError('INTERNAL', `parent ${parent} of ${candidate.id} is not applied`, {
          details: { reason: 'causal-gap', event: candidate.id, missing: parent },
        });
      }
      if (stream !== candidate.stream) {
        wrong = { parent, stream };
        break;
      }
    }
    if (wrong) {
      rejected.push({
        candidate,
        rejection: {
          code: 'ENVELOPE_INVALID',
          message: `parent ${wrong.parent} of event ${candidate.id} belongs to stream ${wrong.stream}, not ${candidate.stream}`,
          field: 'parents',
          reason: 'parent-in-other-stream',
        },
      });
      refused.add(candidate.id);
      continue;
    }
    accepted.push(candidate);
    streamOf.set(candidate.id, candidate.stream);
  }
  return { accepted, rejected, deferred };
}
