import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UnsignedEnvelope } from '../envelope/Envelope.js';
import { mergeDataHash, mergeEventId, newEventId } from '../envelope/ids.js';
import { RESOLUTION_POLICIES, type DomainModule } from '../domain/DomainModule.js';
import { mergePatchDomain } from '../domain/mergePatchDomain.js';
import { DomainRegistry } from '../domain/DomainRegistry.js';
import { SCHEMA_UPGRADE_DEPENDENCY } from '../gate/holds.js';
import { historyArbitrary, testRegistry } from '../testing/historyArbitrary.fixtures.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import { buildManualMerge, buildMerge } from './buildMerge.js';
import { causalPast } from './analyzeConflict.js';
import { derivedMergeId, validateMerge } from './validateMerge.js';

const registry = testRegistry();
const REGIONS = ['ap', 'eu', 'us'];

function winnerOf(merge: UnsignedEnvelope, path: string): unknown {
  const winners = merge.data['winners'];
  return typeof winners === 'object' && winners !== null
    ? (winners as Record<string, unknown>)[path]
    : undefined;
}

/** The mutations an attacker or a diverging release could make to a merge. */
function mutations(merge: UnsignedEnvelope, events: readonly UnsignedEnvelope[]) {
  const byId = new Map(events.map((e) => [e.id, e] as const));
  const inPast = new Set(merge.parents.flatMap((p) => [...causalPast(p, byId)]));
  const ancestor = events.find(
    (e) => e.stream === merge.stream && inPast.has(e.id) && !merge.parents.includes(e.id),
  );
  const other = REGIONS.find((r) => r !== merge.origin) as string;
  const list: [string, UnsignedEnvelope][] = [
    ['id', { ...merge, id: newEventId({ msecs: 1 }) }],
    [
      'id of the other derivation',
      {
        ...merge,
        id:
          merge.data['policy'] === 'manual'
            ? mergeEventId(merge.stream, merge.parents)
            : mergeEventId(merge.stream, merge.parents, mergeDataHash(merge.data)),
      },
    ],
    [
      'id of another resolver version',
      { ...merge, id: mergeEventId(merge.stream, merge.parents, undefined, 2) },
    ],
    ['patch added', { ...merge, data: { ...merge.data, patch: { a: 42 } } }],
    [
      'winner changed',
      {
        ...merge,
        data: {
          ...merge.data,
          // A parent that is not the current winner of /a: a real change, never a no-op.
          winners: { '/a': merge.parents.find((p) => p !== winnerOf(merge, '/a')) ?? 'none' },
        },
      },
    ],
    ['policy', { ...merge, data: { ...merge.data, policy: 'custom' } }],
    ['explicit resolver 1', { ...merge, data: { ...merge.data, resolver: 1 } }],
    ['origin', { ...merge, origin: other }],
    ['hlc', { ...merge, hlc: { wall: merge.hlc.wall + 1, logical: 0 } }],
    ['one parent', { ...merge, parents: merge.parents.slice(0, 1) }],
    ['unknown parent', { ...merge, parents: [...merge.parents, newEventId({ msecs: 2 })].sort() }],
  ];
  if (merge.parents.length > 2) {
    list.push(['parent dropped', { ...merge, parents: merge.parents.slice(1) }]);
  }
  if (ancestor !== undefined) {
    list.push([
      'ancestor as parent',
      { ...merge, parents: [...merge.parents, ancestor.id].sort() },
    ]);
  }
  if (merge.data['policy'] === 'manual') {
    list.push([
      'resolution changed',
      { ...merge, data: { ...merge.data, resolution: { patch: { b: 7 } } } },
    ]);
  }
  return list;
}

describe('validateMerge (property)', () => {
  it('passes every merge the resolver emits, and fails every mutation of one', () => {
    let judged = 0;
    fc.assert(
      fc.property(historyArbitrary(), ({ events, regions, history }) => {
        for (const merge of history.merges) {
          const module = registry.forStream(merge.stream);
          if (merge.data['policy'] !== module.policy) {
            // The simulation's operator also resolves lww streams by hand; the reconciler
            // refuses that (CONFLICT_NOT_MANUAL), and so does every mirror.
            expect(validateMerge({ merge, events, module, regions })).toMatchObject({
              kind: 'invalid',
              detail: 'policy',
            });
            continue;
          }
          // Whatever else was applied since (concurrent writes, later merges) does not matter.
          expect(validateMerge({ merge, events, module, regions })).toEqual({ kind: 'valid' });
          expect(derivedMergeId(merge)).toBe(merge.id);
          judged++;
          for (const [what, forged] of mutations(merge, events)) {
            const verdict = validateMerge({ merge: forged, events, module, regions });
            expect(verdict.kind, what).toBe('invalid');
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(judged).toBeGreaterThan(10);
  });

  it('judges manual merges by replaying their resolution: choose, patch, forged patch', () => {
    let judged = 0;
    fc.assert(
      fc.property(
        historyArbitrary({ streams: ['ticket-1', 'ticket-2'] }),
        fc.dictionary(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 9 }), { minKeys: 1 }),
        ({ events, regions }, patch) => {
          const module = registry.forStream('ticket-1');
          for (const stream of ['ticket-1', 'ticket-2']) {
            const list = events.filter((e) => e.stream === stream);
            const heads = new Set(list.map((e) => e.id));
            for (const e of list) for (const p of e.parents) heads.delete(p);
            if (heads.size < 2) continue;
            const build = (resolution: { choose: string } | { patch: typeof patch }) =>
              buildManualMerge({ events: list, module, regions, resolution }).merge;
            judged++;
            const chosen = build({ choose: [...heads].sort()[0]! });
            const patched = build({ patch });
            for (const merge of [chosen, patched]) {
              expect(validateMerge({ merge, events, module, regions })).toEqual({ kind: 'valid' });
            }
            // The data's patch no longer follows from its resolution (id re-derived to match).
            const data = { ...patched.data, patch: { ...patch, z: 1 } };
            const forged = {
              ...patched,
              data,
              id: mergeEventId(stream, patched.parents, mergeDataHash(data)),
            };
            expect(validateMerge({ merge: forged, events, module, regions })).toMatchObject({
              kind: 'invalid',
              detail: 'content',
            });
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(judged).toBeGreaterThan(5);
  });
});

describe('validateMerge (resolver versions)', () => {
  function conflicted() {
    const f = new TestEventFactory({ stream: 'profile-3' });
    const root = f.event({ type: 'Set', data: { a: 1 } });
    const x = f.event({ type: 'Set', data: { a: 2 }, parents: [root.id], origin: 'eu' });
    const y = f.event({ type: 'Set', data: { a: 3 }, parents: [root.id], origin: 'us' });
    return [root, x, y];
  }
  const v1 = mergePatchDomain('profile');
  // Release 2 resolves lww conflicts differently (here: records no winners).
  const v2: DomainModule = {
    ...v1,
    resolverVersion: 2,
    contestedFields: () => [],
    previousResolvers: {
      1: { policy: RESOLUTION_POLICIES.lww, contestedFields: v1.contestedFields! },
    },
  };
  const v2Only: DomainModule = { ...v2, previousResolvers: {} };

  it('a release-2 merge names its version in data and id; release 1 holds it', () => {
    const events = conflicted();
    const m1 = buildMerge({ events, module: v1, regions: REGIONS }).merge;
    const m2 = buildMerge({ events, module: v2, regions: REGIONS }).merge;
    expect(m1.data['resolver']).toBeUndefined();
    expect(m2.data['resolver']).toBe(2);
    expect(m2.id).not.toBe(m1.id);
    expect(m2.id).toBe(mergeEventId('profile-3', m2.parents, undefined, 2));
    expect(validateMerge({ merge: m2, events, module: v1, regions: REGIONS })).toEqual({
      kind: 'hold',
      resolver: 2,
    });
    const holding = new DomainRegistry();
    expect(holding.holdFor(m2)).toBe(SCHEMA_UPGRADE_DEPENDENCY);
    expect(holding.holdFor(m1)).toBeUndefined();
    // Release 2 judges both: its own, and release 1's through previousResolvers.
    expect(validateMerge({ merge: m2, events, module: v2, regions: REGIONS }).kind).toBe('valid');
    expect(validateMerge({ merge: m1, events, module: v2, regions: REGIONS }).kind).toBe('valid');
    // Without release 1's hooks, it holds release 1's merges rather than judge them wrongly.
    expect(validateMerge({ merge: m1, events, module: v2Only, regions: REGIONS }).kind).toBe(
      'hold',
    );
    // Release 1's content under release 2's version (same id, other content) is refused.
    const relabelled = { ...m1, data: { ...m1.data, resolver: 2 }, id: m2.id };
    expect(
      validateMerge({ merge: relabelled, events, module: v2, regions: REGIONS }),
    ).toMatchObject({ kind: 'invalid', detail: 'content' });
    expect(
      validateMerge({
        merge: { ...m1, data: { ...m1.data, resolver: 'two' } },
        events,
        module: v2,
        regions: REGIONS,
      }),
    ).toMatchObject({ kind: 'invalid', detail: 'resolver-version' });
  });

  it('refuses previousResolvers at or above the current version', () => {
    expect(
      () => new DomainRegistry([{ ...v2, category: 'bad', previousResolvers: { 2: v1 } }]),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
