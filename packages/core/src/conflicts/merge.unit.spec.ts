import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { canonicalJson } from '../json/canonicalJson.js';
import { stateHash } from '../digests/streamDigest.js';
import { RESOLUTION_POLICIES } from '../domain/DomainModule.js';
import { foldStream } from '../fold/foldStream.js';
import { StreamProjection } from '../fold/StreamProjection.js';
import { historyArbitrary, shuffle, testRegistry } from '../testing/historyArbitrary.fixtures.js';
import { buildManualMerge, buildMerge } from './buildMerge.js';
import { detectConflict } from './analyzeConflict.js';

const registry = testRegistry();

function streamsOf(events: readonly UnsignedEnvelope[]): Map<StreamId, UnsignedEnvelope[]> {
  const map = new Map<StreamId, UnsignedEnvelope[]>();
  for (const event of events) map.set(event.stream, [...(map.get(event.stream) ?? []), event]);
  return map;
}

/** A region that received the whole history in its own (causal) order, one event at a time. */
function regionView(g: fc.GeneratorValue, stream: StreamId, events: readonly UnsignedEnvelope[]) {
  const projection = new StreamProjection(stream, registry.forStream(stream).reducer, {
    checkpointEvery: 2,
  });
  const pending = shuffle(g, events);
  while (pending.length > 0) {
    const index = pending.findIndex((e) => e.parents.every((p) => projection.has(p)));
    projection.apply(pending.splice(index, 1));
  }
  return projection.toFold();
}

describe('merges (property)', () => {
  it('every region computes the same merge; it collapses the heads to one', () => {
    fc.assert(
      fc.property(historyArbitrary(), fc.gen(), ({ events, regions, history }, g) => {
        // Copies of one merge emitted by different regions during the history are identical.
        const copies = new Map<string, string>();
        for (const merge of history.merges) {
          const text = canonicalJson(merge);
          expect(copies.get(merge.id) ?? text).toBe(text);
          copies.set(merge.id, text);
        }
        for (const [stream, list] of streamsOf(events)) {
          const module = registry.forStream(stream);
          const views = regions.map(() => regionView(g, stream, list));
          if (views[0]!.heads.length < 2) {
            expect(detectConflict({ fold: views[0]! }, module)).toBeNull();
            continue;
          }
          const conflicts = views.map((fold) => detectConflict({ fold }, module));
          for (const conflict of conflicts) expect(conflict).toEqual(conflicts[0]);
          const build = (fold: (typeof views)[number]) =>
            module.policy === RESOLUTION_POLICIES.manual
              ? buildManualMerge({ fold, module, regions, resolution: { choose: fold.heads[0]! } })
                  .merge
              : buildMerge({ fold, module, regions }).merge;
          const merges = views.map(build);
          for (const merge of merges) expect(canonicalJson(merge)).toBe(canonicalJson(merges[0]));
          const merge = merges[0]!;
          expect(merge.parents).toEqual(views[0]!.heads);
          const after = foldStream([...list, merge], module.reducer);
          expect(after.heads).toEqual([merge.id]);
          expect(detectConflict({ fold: after }, module)).toBeNull();
          // A manual "keep this branch" merge really yields that branch's state.
          if (module.policy === RESOLUTION_POLICIES.manual) {
            const chosen = foldStream(
              list.filter((e) => isAncestorOrSelf(list, e.id, views[0]!.heads[0]!)),
              module.reducer,
            );
            expect(stateHash(after.state)).toBe(stateHash(chosen.state));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function isAncestorOrSelf(events: readonly UnsignedEnvelope[], id: string, of: string): boolean {
  const byId = new Map(events.map((e) => [e.id, e]));
  const stack = [of];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (next === id) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.parents ?? []));
  }
  return false;
}
