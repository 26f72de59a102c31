import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventId } from '../envelope/Envelope.js';
import { conflictId } from '../envelope/ids.js';
import { foldStream } from '../fold/foldStream.js';
import { historyArbitrary, STREAMS, testRegistry } from '../testing/historyArbitrary.fixtures.js';
import { causalPast, detectConflict } from './analyzeConflict.js';
import { conflictChanges, firstCovering, type OpenConflict } from './conflictLifecycle.js';
import { storedConflictRecord, toConflictRecord } from './conflictRecord.js';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';
const M = '01900000-0000-7000-8000-00000000000d';
const N = '01900000-0000-7000-8000-00000000000e';

describe('conflict lifecycle', () => {
  const open = (heads: string[]) => ({ id: conflictId('s-1', heads), stream: 's-1', heads });

  it('opens a conflict for several heads, once', () => {
    expect(conflictChanges('s-1', [B, A], [], () => undefined)).toEqual({
      closings: [],
      open: conflictId('s-1', [A, B]),
    });
    expect(conflictChanges('s-1', [A, B], [open([A, B])], () => undefined)).toEqual({
      closings: [],
    });
    expect(conflictChanges('s-1', [A], [], () => undefined)).toEqual({ closings: [] });
  });

  it('supersedes an open conflict when a concurrent event joins, resolves it when heads collapse', () => {
    expect(conflictChanges('s-1', [A, B, C], [open([A, B])], () => undefined)).toEqual({
      closings: [{ id: conflictId('s-1', [A, B]), status: 'superseded' }],
      open: conflictId('s-1', [A, B, C]),
    });
    expect(
      conflictChanges('s-1', [M], [open([A, B])], (heads) => (heads.length === 2 ? M : undefined)),
    ).toEqual({
      closings: [{ id: conflictId('s-1', [A, B]), status: 'resolved', resolvedBy: M }],
    });
  });

  it('names as resolver the first event in fold order whose past holds every head', () => {
    // A, B concurrent; M merges A only; N merges M and B.
    const order = [
      { id: A, parents: [] },
      { id: B, parents: [] },
      { id: M, parents: [A] },
      { id: N, parents: [B, M] },
    ];
    expect(firstCovering(order, [A, B])).toBe(N);
    expect(firstCovering(order, [A])).toBe(M);
    expect(firstCovering(order.slice(0, 3), [A, B])).toBeUndefined();
  });
});

const idOf = (i: number): EventId => `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`;

/** A random DAG in topological order: each event's parents are earlier events. */
const dagArbitrary = fc
  .array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 14 })
  .map((picks) =>
    picks.map((raw, i) => ({
      id: idOf(i),
      parents: i === 0 ? [] : [...new Set(raw.map((p) => idOf(p % i)))],
    })),
  );

describe('conflict lifecycle properties', () => {
  it('firstCovering is the first non-head event whose causal past holds every head', () => {
    fc.assert(
      fc.property(
        dagArbitrary,
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        (order, raw) => {
          const heads = [...new Set(raw.map((i) => order[i % order.length]!.id))];
          const byId = new Map(order.map((e) => [e.id, e] as const));
          const covers = (id: EventId) => {
            const past = causalPast(id, byId as never);
            return !heads.includes(id) && heads.every((h) => past.has(h));
          };
          expect(firstCovering(order, heads)).toBe(order.find((e) => covers(e.id))?.id);
        },
      ),
    );
  });

  it('keeps one open conflict per multi-head stream and closes every other one', () => {
    const ids = [A, B, C, M, N];
    const headsArb = fc.subarray(ids, { minLength: 1 });
    fc.assert(
      fc.property(headsArb, fc.array(headsArb, { maxLength: 3 }), (heads, openHeads) => {
        const open: OpenConflict[] = openHeads
          .filter((h) => h.length > 1)
          .map((h) => ({ id: conflictId('s-1', h), stream: 's-1', heads: [...h].sort() }));
        const unique = [...new Map(open.map((c) => [c.id, c])).values()];
        const changes = conflictChanges('s-1', heads, unique, () => M);
        const current = heads.length > 1 ? conflictId('s-1', heads) : undefined;
        const stillOpen = unique.filter((c) => c.id === current);
        // Every open conflict but the current one ends; resolved iff the heads collapsed.
        expect(changes.closings.map((c) => c.id).sort()).toEqual(
          unique
            .filter((c) => c.id !== current)
            .map((c) => c.id)
            .sort(),
        );
        for (const closing of changes.closings) {
          expect(closing.status).toBe(heads.length === 1 ? 'resolved' : 'superseded');
        }
        expect(changes.open).toBe(stillOpen.length > 0 ? undefined : current);
      }),
    );
  });
});

describe('conflict record', () => {
  it('is the stored form of the conflict every region detects from the same event set', () => {
    const registry = testRegistry();
    let conflicts = 0;
    fc.assert(
      fc.property(historyArbitrary({ maxOps: 25 }), ({ events }) => {
        for (const stream of STREAMS) {
          const module = registry.forStream(stream);
          const fold = foldStream(
            events.filter((e) => e.stream === stream),
            module.reducer,
            { stream },
          );
          const conflict = detectConflict({ fold }, module);
          const noops = new Set(fold.noops);
          const record = storedConflictRecord(
            {
              stream,
              state: fold.state,
              heads: [...fold.heads].reverse(),
              version: fold.version,
              events: fold.order.map((envelope) => ({ envelope, noop: noops.has(envelope.id) })),
            },
            module,
          );
          expect(record).toEqual(conflict ? toConflictRecord(conflict) : null);
          if (!conflict || !record) continue;
          conflicts++;
          expect(record).toMatchObject({
            id: conflictId(stream, fold.heads),
            heads: fold.heads,
            policy: module.policy,
            details: { category: conflict.category, winners: conflict.winners },
          });
        }
      }),
      { numRuns: 40 },
    );
    expect(conflicts).toBeGreaterThan(0);
  });
});
