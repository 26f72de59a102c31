import {
  analyzeConflict,
  failoverOrder,
  foldStream,
  ownerRegion,
  type DomainModule,
  type EventId,
  type RegionId,
} from '@concord/core';
import type { ConflictRow, ResolutionRecord, StoredEvent } from '../store/ReconcilerStore.js';

/** An event as the conflict view shows it. */
export interface ViewEvent {
  readonly id: EventId;
  readonly type: string;
  readonly origin: RegionId;
  readonly hlc: { wall: number; logical: number };
  readonly parents: readonly EventId[];
  readonly data: unknown;
  readonly foldPos: number;
  readonly appliedAt: string;
  readonly signedBy: string | undefined;
}

/** `GET /v1/conflicts/{id}`. */
export interface ConflictView {
  readonly conflict: ConflictRow;
  readonly policy: string;
  readonly owner: RegionId;
  readonly failoverOrder: readonly RegionId[];
  /** True when the stream's current heads are still the conflict's heads. */
  readonly current: boolean;
  readonly branches: readonly { head: EventId; events: readonly ViewEvent[] }[];
  readonly contested: readonly { field: string; writers: readonly EventId[]; winner?: EventId }[];
  /** Field → the event whose write the fold kept. */
  readonly winners: Readonly<Record<string, EventId>>;
  /** The event that closed it, if resolved (a merge, or a write that saw every head). */
  readonly resolvedBy: ViewEvent | null;
  /** Merges this region's reconciler appended for it. */
  readonly resolutions: readonly ResolutionRecord[];
}

function view(e: StoredEvent): ViewEvent {
  const { envelope } = e;
  return {
    id: envelope.id,
    type: envelope.type,
    origin: envelope.origin,
    hlc: envelope.hlc,
    parents: envelope.parents,
    data: envelope.data,
    foldPos: e.foldPos,
    appliedAt: e.appliedAt,
    signedBy: envelope.meta.signedBy,
  };
}

/**
 * The detailed view of a conflict: both (all) branches with their events, the contested
 * fields and the fold's winners. While the conflict is current they are recomputed from the
 * stored events (the same analysis the mirror recorded); otherwise they come from the record.
 */
export function conflictView<S>(input: {
  readonly conflict: ConflictRow;
  readonly events: readonly StoredEvent[];
  readonly module: DomainModule<S>;
  readonly regions: readonly RegionId[];
  readonly resolutions: readonly ResolutionRecord[];
}): ConflictView {
  const { conflict, events, module } = input;
  const byId = new Map(events.map((e) => [e.envelope.id, e] as const));
  let branches: { head: EventId; events: readonly EventId[] }[];
  let contested: ConflictView['contested'];
  let winners: Record<string, EventId>;
  let current = false;
  const details = conflict.details as {
    branches?: { head: EventId; events: EventId[] }[];
    contested?: ConflictView['contested'];
    winners?: Record<string, EventId>;
  };
  let analysis: ReturnType<typeof analyzeConflict<S>> = null;
  try {
    const fold = foldStream(
      events.map((e) => e.envelope),
      module.reducer,
      { stream: conflict.stream },
    );
    current = conflict.status === 'open' && fold.heads.join(',') === conflict.heads.join(',');
    if (current) analysis = analyzeConflict({ fold }, module);
  } catch {
    current = false;
  }
  if (analysis) {
    branches = analysis.conflict.branches.map((b) => ({ head: b.head, events: b.events }));
    contested = analysis.conflict.contested;
    winners = { ...analysis.conflict.winners };
  } else {
    branches = details.branches ?? conflict.heads.map((head) => ({ head, events: [head] }));
    contested = details.contested ?? [];
    winners = details.winners ?? {};
  }
  const resolvedBy = conflict.resolvedBy ? byId.get(conflict.resolvedBy) : undefined;
  return {
    conflict,
    policy: module.policy,
    owner: ownerRegion(conflict.stream, input.regions),
    failoverOrder: failoverOrder(conflict.stream, input.regions),
    current,
    branches: branches.map((b) => ({
      head: b.head,
      events: b.events
        .map((id) => byId.get(id))
        .filter((e): e is StoredEvent => e !== undefined)
        .map(view),
    })),
    contested,
    winners,
    resolvedBy: resolvedBy ? view(resolvedBy) : null,
    resolutions: input.resolutions,
  };
}
