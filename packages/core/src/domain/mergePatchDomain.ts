import { isMergeEvent, type EventId, type UnsignedEnvelope } from '../envelope/Envelope.js';
import { isJsonObject, type JsonObject } from '../json/JsonValue.js';
import {
  applyMergePatch,
  diffMergePatch,
  mergePatchPaths,
  pointersOverlap,
} from '../json/mergePatch.js';
import {
  defineDomain,
  RESOLUTION_POLICIES,
  type ConflictContext,
  type ContestedField,
  type DomainModule,
  type Reducer,
  type ResolutionPolicy,
} from './DomainModule.js';

/**
 * The patch an event applies under the merge-patch reducer: an ordinary event's `data`, or a
 * merge's `data.patch` (absent for `lww` merges, which change nothing).
 */
export function patchOf(event: UnsignedEnvelope): JsonObject | undefined {
  if (!isMergeEvent(event)) return event.data;
  const patch = event.data['patch'];
  return isJsonObject(patch) ? patch : undefined;
}

/** RFC 7396: the state is a JSON object and every event's data is a merge patch applied to it. */
export const mergePatchReducer: Reducer<JsonObject> = {
  initialState: () => ({}),
  evolve(state, event) {
    const patch = patchOf(event);
    return patch === undefined ? state : (applyMergePatch(state, patch) as JsonObject);
  },
};

/**
 * Contested fields of a merge-patch stream: JSON Pointers written by two concurrent events of
 * different branches (a pointer and any pointer under it count as the same data). The winner is
 * the last event in fold order that wrote the field (or a part of it / a field containing it).
 */
export function mergePatchContestedFields(context: ConflictContext<JsonObject>): ContestedField[] {
  const noops = new Set(context.fold.noops);
  const writes: { id: EventId; path: string }[] = [];
  for (const event of context.sinceFork) {
    const patch = patchOf(event);
    if (patch === undefined || noops.has(event.id)) continue;
    for (const path of mergePatchPaths(patch)) writes.push({ id: event.id, path });
  }
  const contested = new Map<string, Set<EventId>>();
  for (let i = 0; i < writes.length; i++) {
    const a = writes[i] as { id: EventId; path: string };
    for (let j = i + 1; j < writes.length; j++) {
      const b = writes[j] as { id: EventId; path: string };
      if (a.id === b.id || !pointersOverlap(a.path, b.path) || !context.concurrent(a.id, b.id))
        continue;
      const field = a.path.length <= b.path.length ? a.path : b.path;
      const writers = contested.get(field) ?? new Set<EventId>();
      writers.add(a.id).add(b.id);
      contested.set(field, writers);
    }
  }
  return [...contested.keys()].sort().map((field) => {
    let winner: EventId | undefined;
    for (const event of context.fold.order) {
      const patch = patchOf(event);
      if (patch === undefined || noops.has(event.id)) continue;
      if (mergePatchPaths(patch).some((path) => pointersOverlap(path, field))) winner = event.id;
    }
    const writers = context.sinceFork
      .filter((e) => contested.get(field)?.has(e.id))
      .map((e) => e.id);
    return winner === undefined ? { field, writers } : { field, writers, winner };
  });
}

/**
 * The default domain of every unregistered category: merge-patch state, per-field
 * last-writer-wins in fold order, policy `lww`. A manual resolution becomes a patch: the chosen
 * branch's state diffed against the merged state, or the operator's patch as given.
 */
export function mergePatchDomain(
  category: string,
  policy: ResolutionPolicy = RESOLUTION_POLICIES.lww,
): DomainModule<JsonObject> {
  return defineDomain<JsonObject>({
    category,
    reducer: mergePatchReducer,
    policy,
    contestedFields: mergePatchContestedFields,
    manualMerge(context, resolution): JsonObject {
      if ('patch' in resolution) {
        const given: JsonObject = { patch: resolution.patch };
        return { resolution: given, patch: resolution.patch };
      }
      const chosen = context.foldPast(resolution.choose).state;
      const choice: JsonObject = { choose: resolution.choose };
      return { resolution: choice, patch: diffMergePatch(context.fold.state, chosen) };
    },
  });
}
