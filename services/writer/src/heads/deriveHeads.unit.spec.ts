import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventId } from '@concord/core';
import { deriveHeads, probeIds } from './deriveHeads.js';
import type { ChainEntry, HeadRef } from './HeadRef.js';

const hlc = (wall: number) => ({ wall, logical: 0 });
const ids = (heads: readonly HeadRef[]) => heads.map((h) => h.id);

describe('deriveHeads', () => {
  const p1: HeadRef = { id: 'a1', hlc: hlc(1) };
  const r: HeadRef = { id: 'r1', hlc: hlc(5), origin: 'eu' };

  it('is the projection heads when the chain is empty or fully projected', () => {
    expect(
      ids(deriveHeads({ projectionHeads: [r, p1], chain: [], projected: new Set() }).heads),
    ).toEqual(['a1', 'r1']);
    const chain: ChainEntry[] = [
      { id: 'e1', parents: ['a1'], hlc: hlc(2) },
      { id: 'e2', parents: ['e1'], hlc: hlc(3) },
    ];
    const all = deriveHeads({
      projectionHeads: [{ id: 'e2', hlc: hlc(3) }],
      chain,
      projected: new Set(['e1', 'e2']),
    });
    expect(ids(all.heads)).toEqual(['e2']);
    expect(all.remaining).toEqual([]);
  });

  it('replaces the heads the chain covers by its last entry, keeps concurrent ones', () => {
    const chain: ChainEntry[] = [
      { id: 'e1', parents: ['a1'], hlc: hlc(2) },
      { id: 'e2', parents: ['e1'], hlc: hlc(3) },
    ];
    // a1 was a head when e1 was written; r1 arrived later, concurrent with the chain.
    const d = deriveHeads({ projectionHeads: [p1, r], chain, projected: new Set() });
    expect(ids(d.heads)).toEqual(['e2', 'r1']);
    expect(d.heads.find((h) => h.id === 'e2')?.hlc).toEqual(hlc(3));
  });

  it('drops the projected prefix and keeps the heads that descend from it', () => {
    const chain: ChainEntry[] = [
      { id: 'e1', parents: [], hlc: hlc(2) },
      { id: 'e2', parents: ['e1'], hlc: hlc(3) },
      { id: 'e3', parents: ['e2'], hlc: hlc(4) },
    ];
    // e1, e2 applied; a remote event x built on e2 is applied too: heads {x}; e3 is concurrent.
    const d = deriveHeads({
      projectionHeads: [{ id: 'x', hlc: hlc(9) }],
      chain,
      projected: new Set(['e2']),
    });
    expect(ids(d.heads)).toEqual(['e3', 'x']);
    expect(d.remaining.map((e) => e.id)).toEqual(['e3']);
  });

  it('keeps a merge appended here as a head until an own append covers it', () => {
    // Projection: heads a1 and r1 (a conflict); this region appended e1 on a1 (not projected)
    // and then the reconciler's merge M of the projection's heads [a1, r1].
    const chain: ChainEntry[] = [
      { id: 'e1', parents: ['a1'], hlc: hlc(2) },
      { id: 'm', parents: ['a1', 'r1'], hlc: hlc(6) },
    ];
    const d = deriveHeads({ projectionHeads: [p1, r], chain, projected: new Set() });
    expect(ids(d.heads)).toEqual(['e1', 'm']);
    // The next own append names both; once it is written, it is the only own head.
    const next = [...chain, { id: 'e2', parents: ['e1', 'm'], hlc: hlc(7) }];
    expect(
      ids(deriveHeads({ projectionHeads: [p1, r], chain: next, projected: new Set() }).heads),
    ).toEqual(['e2']);
    // The merge is projected before e1 (it does not depend on it): only it is forgotten.
    const later = deriveHeads({
      projectionHeads: [{ id: 'm', hlc: hlc(6) }],
      chain: next,
      projected: new Set(['m']),
    });
    expect(later.remaining.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(ids(later.heads)).toEqual(['e2']);
  });

  it('probes all of a short chain, samples a long one and always probes the last entry', () => {
    const chain = Array.from({ length: 1000 }, (_, i) => ({
      id: `e${i}`,
      parents: i ? [`e${i - 1}`] : [],
      hlc: hlc(i),
    }));
    expect(probeIds(chain.slice(0, 10))).toHaveLength(10);
    const probe = probeIds(chain, 64);
    expect(probe.length).toBeLessThanOrEqual(64);
    expect(probe).toContain('e0');
    expect(probe).toContain('e999');
  });
});

/**
 * Ground truth by simulation: one region appends a chain (parents = the heads of everything it
 * knows), other regions append events on top of what they know, and the projection applies
 * events in any causal order. At every step, the derived heads equal the true heads of
 * (projection ∪ own chain), with a full or a sampled probe.
 */
describe('deriveHeads (property)', () => {
  type Op =
    | { kind: 'own' }
    | { kind: 'merge' }
    | { kind: 'remote'; pick: number }
    | { kind: 'apply'; pick: number };
  const op = fc.oneof(
    fc.constant<Op>({ kind: 'own' }),
    fc.constant<Op>({ kind: 'merge' }),
    fc.nat().map<Op>((pick) => ({ kind: 'remote', pick })),
    fc.nat().map<Op>((pick) => ({ kind: 'apply', pick })),
  );

  it('equals the true heads of the projection plus the own unprojected events (merges included)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, sampled) => {
        const parentsOf = new Map<EventId, readonly EventId[]>();
        const applied = new Set<EventId>();
        const waiting: EventId[] = []; // created, not applied (own and remote)
        let chain: ChainEntry[] = [];
        let n = 0;
        const headsOf = (set: Iterable<EventId>) => {
          const all = [...set];
          const covered = new Set(all.flatMap((id) => parentsOf.get(id) ?? []));
          return all.filter((id) => !covered.has(id)).sort();
        };
        const derive = () => {
          const probe = sampled ? probeIds(chain, 3) : chain.map((e) => e.id);
          return deriveHeads({
            projectionHeads: headsOf(applied).map((id) => ({ id, hlc: hlc(0) })),
            chain,
            projected: new Set(probe.filter((id) => applied.has(id))),
          });
        };
        for (const o of ops) {
          if (o.kind === 'own') {
            const d = derive();
            chain = d.remaining;
            const id = `o${n++}`;
            parentsOf.set(id, ids(d.heads));
            chain.push({ id, parents: ids(d.heads), hlc: hlc(n) });
            waiting.push(id);
          } else if (o.kind === 'merge') {
            // A reconciler merges the projection's heads; this region's writer appends it.
            const projHeads = headsOf(applied);
            if (projHeads.length < 2) continue;
            const id = `m${n++}`;
            parentsOf.set(id, projHeads);
            chain = [...chain, { id, parents: projHeads, hlc: hlc(n) }];
            waiting.push(id);
          } else if (o.kind === 'remote') {
            // A remote writer knows a causally closed part of the applied set: some heads.
            const known = headsOf(applied);
            const parents = known.filter((_, i) => (o.pick >> i) & 1).sort();
            const id = `r${n++}`;
            parentsOf.set(id, parents);
            waiting.push(id);
          } else {
            const ready = waiting.filter((id) =>
              (parentsOf.get(id) ?? []).every((p) => applied.has(p)),
            );
            if (ready.length === 0) continue;
            const id = ready[o.pick % ready.length]!;
            applied.add(id);
            waiting.splice(waiting.indexOf(id), 1);
          }
          const truth = headsOf(new Set([...applied, ...chain.map((e) => e.id)]));
          expect(ids(derive().heads)).toEqual(truth);
        }
      }),
      { numRuns: 500 },
    );
  });
});
