import {
  dependenciesOf,
  isMergeEvent,
  SCHEMA_UPGRADE_DEPENDENCY,
  validateMerge,
  type DomainRegistry,
  type EventId,
  type RegionId,
  type StreamId,
  type UnsignedEnvelope,
} from '@concord/core';
import type { ApplyStore } from '../store/ProjectionStore.js';
import type { Candidate } from './ApplyTypes.js';
import type { ScreenResult } from './gatePass.js';

/**
 * The merge validation step of an apply transaction (docs/decisions/0007-merge-validation.md),
 * after the causal gate and the stream screen: every ready `concord.merge` is judged by core
 * `validateMerge` against its stream's applied events (the stored ones and those this
 * transaction applies before it) before anything of it is written. An invalid merge goes to
 * the DLQ (`MERGE_INVALID`, `reason` = the detail code) identically in every region; a merge
 * whose resolver version this code does not judge is held (parked on
 * SCHEMA_UPGRADE_DEPENDENCY — the gate's hold catches it first, this is the backstop); what
 * depends on either stays parked on it. Batches without merges cost nothing.
 */
export async function screenMerges(
  ready: readonly Candidate[],
  store: Pick<ApplyStore, 'streamEvents'>,
  registry: DomainRegistry,
  regions: readonly RegionId[],
): Promise<ScreenResult> {
  if (!ready.some((c) => isMergeEvent(c.envelope))) {
    return { accepted: ready, rejected: [], deferred: [] };
  }
  const mergeStreams = [
    ...new Set(ready.filter((c) => isMergeEvent(c.envelope)).map((c) => c.stream)),
  ];
  const stored = await store.streamEvents(mergeStreams);
  const applied = new Map<StreamId, UnsignedEnvelope[]>(
    mergeStreams.map((s) => [s, (stored.get(s) ?? []).map((e) => e.envelope)] as const),
  );
  const refused = new Set<EventId>();
  const accepted: Candidate[] = [];
  const rejected: ScreenResult['rejected'][number][] = [];
  const deferred: { candidate: Candidate; missing: readonly EventId[] }[] = [];
  for (const candidate of ready) {
    const blocked = dependenciesOf(candidate).filter((id) => refused.has(id));
    if (blocked.length > 0) {
      deferred.push({ candidate, missing: blocked.sort() });
      refused.add(candidate.id);
      continue;
    }
    const events = applied.get(candidate.stream);
    if (isMergeEvent(candidate.envelope)) {
      const verdict = validateMerge({
        merge: candidate.envelope,
        events: events ?? [],
        module: registry.forStream(candidate.stream),
        regions,
      });
      if (verdict.kind === 'invalid') {
        rejected.push({
          candidate,
          rejection: {
            code: 'MERGE_INVALID',
            message: verdict.message,
            field: verdict.field,
            reason: verdict.detail,
          },
        });
        refused.add(candidate.id);
        continue;
      }
      if (verdict.kind === 'hold') {
        deferred.push({ candidate, missing: [SCHEMA_UPGRADE_DEPENDENCY] });
        refused.add(candidate.id);
        continue;
      }
    }
    accepted.push(candidate);
    events?.push(candidate.envelope);
  }
  return { accepted, rejected, deferred };
}
