import {
  buildManualMerge,
  ConcordError,
  foldStream,
  RESOLUTION_POLICIES,
  type DomainRegistry,
  type Envelope,
  type ManualResolution,
  type RegionId,
} from '@concord/core';
import type { Metrics } from '@concord/telemetry';
import type { WriterAdminClient } from '../http/ServiceClients.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';

/** What `POST /v1/conflicts/{id}/resolve` answers. */
export interface ManualResolutionResult {
  readonly conflictId: string;
  readonly stream: string;
  readonly merge: Envelope;
  /** True when this very resolution was appended before (same data, same id). */
  readonly duplicate: boolean;
}

/**
 * An operator's resolution of a `manual` conflict: keep one branch (`{choose: head}`) or apply
 * a patch (`{patch}`). The merge (core `buildManualMerge`, id hashing its data) goes through
 * this region's writer like any merge; the same resolution twice is one event.
 *
 * @throws ConcordError NOT_FOUND; CONFLICT_NOT_MANUAL when the category's policy is not
 * `manual`; CONFLICT_NOT_OPEN when it is resolved, superseded, or the stream's heads moved on
 * (details: the current heads); VALIDATION_FAILED when `choose` is not a head.
 */
export async function resolveManually(input: {
  readonly conflictId: string;
  readonly resolution: ManualResolution;
  readonly store: ReconcilerStore;
  readonly registry: DomainRegistry;
  readonly regions: readonly RegionId[];
  readonly writer: Pick<WriterAdminClient, 'appendMerge'>;
  readonly metrics: Metrics;
  readonly traceparent?: string | undefined;
}): Promise<ManualResolutionResult> {
  const { store, conflictId } = input;
  const conflict = await store.conflict(conflictId);
  if (!conflict) throw new ConcordError('NOT_FOUND', `no conflict ${conflictId} in this region`);
  const module = input.registry.forStream(conflict.stream);
  if (module.policy !== RESOLUTION_POLICIES.manual) {
    throw new ConcordError(
      'CONFLICT_NOT_MANUAL',
      `conflict ${conflictId} is resolved automatically (policy ${module.policy} of ${conflict.stream})`,
      { details: { conflictId, stream: conflict.stream, policy: module.policy } },
    );
  }
  if (conflict.status !== 'open') {
    throw new ConcordError('CONFLICT_NOT_OPEN', `conflict ${conflictId} is ${conflict.status}`, {
      details: { conflictId, status: conflict.status, resolvedBy: conflict.resolvedBy },
    });
  }
  const events = (await store.streamEvents(conflict.stream)).map((e) => e.envelope);
  const fold = foldStream(events, module.reducer, { stream: conflict.stream });
  if (fold.heads.join(',') !== conflict.heads.join(',')) {
    throw new ConcordError(
      'CONFLICT_NOT_OPEN',
      `the heads of ${conflict.stream} moved on since conflict ${conflictId}`,
      { details: { conflictId, heads: conflict.heads, currentHeads: fold.heads } },
    );
  }
  const { merge } = buildManualMerge({
    fold,
    module,
    regions: input.regions,
    resolution: input.resolution,
  });
  const answer = await input.writer.appendMerge(merge, input.traceparent);
  await store.recordResolution({
    conflictId,
    stream: conflict.stream,
    mergeId: merge.id,
    policy: RESOLUTION_POLICIES.manual,
    role: 'operator',
    duplicate: answer.duplicate,
  });
  if (!answer.duplicate)
    input.metrics.conflictsResolved.inc({ policy: RESOLUTION_POLICIES.manual });
  return { conflictId, stream: conflict.stream, merge: answer.event, duplicate: answer.duplicate };
}
