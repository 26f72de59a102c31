import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainRegistry } from '../domain/DomainRegistry.js';
import type { EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { foldStream } from '../fold/foldStream.js';
import { measuredData, meterV2, meterV3 } from '../testing/meterDomain.fixtures.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import { shuffle, split } from '../testing/historyArbitrary.fixtures.js';
import { CausalGate } from './CausalGate.js';
import { dependenciesOf } from './GateDecision.js';
import { SCHEMA_UPGRADE_DEPENDENCY } from './holds.js';

/*
 * The gate's hold: a region whose code reads `Measured` up to v2 (meterV2) meets v3 events.
 * It must never apply one, never apply anything that depends on one, apply everything else,
 * and, once upgraded (meterV3), apply the held events and their dependants in causal order.
 */

const oldCode = new DomainRegistry([meterV2]);
const newCode = new DomainRegistry([meterV3]);
const STREAMS = ['meter-1', 'meter-2'];

function gateOf(registry: DomainRegistry): CausalGate<UnsignedEnvelope> {
  return new CausalGate<UnsignedEnvelope>({
    now: () => 0,
    appliedCacheSize: Infinity,
    hold: registry.holdFor,
  });
}

describe('CausalGate hold', () => {
  it('parks a complete event it may not apply, with the hold as its only missing id', () => {
    const f = new TestEventFactory({ stream: 'meter-1' });
    const a = f.event({ type: 'Measured', data: measuredData(1, 1, 'us') });
    const b = f.event({ type: 'Measured', data: measuredData(3, 2, 'us'), schemaVersion: 3 });
    const c = f.event({ type: 'Reset' });
    const gate = gateOf(oldCode);
    // c and b arrive before a: parked for their parents; a releases b, which is held.
    const first = gate.decide([c, b]);
    gate.commit(first);
    const second = gate.decide([a]);
    expect(second.ready.map((e) => e.id)).toEqual([a.id]);
    expect(second.held).toEqual([{ id: b.id, hold: SCHEMA_UPGRADE_DEPENDENCY }]);
    gate.commit(second);
    expect(gate.missingFor(b.id)).toEqual([SCHEMA_UPGRADE_DEPENDENCY]);
    expect(gate.missingFor(c.id)).toEqual([b.id]);
    // An incoming complete event that is held comes back in `parked`.
    const d = new TestEventFactory({ stream: 'meter-2', seed: 'other' }).event({
      type: 'Measured',
      data: measuredData(3, 1, 'eu'),
      schemaVersion: 3,
    });
    const third = gate.decide([d]);
    expect(third.parked).toEqual([{ event: d, missing: [SCHEMA_UPGRADE_DEPENDENCY], parkedAt: 0 }]);
    // Upgraded code: restore releases b, then c.
    const upgraded = gateOf(newCode);
    const restored = upgraded.restore(
      [b, c].map((event) => ({ event, parkedAt: 0 })),
      [a.id],
    );
    expect(restored.ready.map((e) => e.id)).toEqual([b.id, c.id]);
    expect(restored.parked).toEqual([]);
    // Old code again (a restart without the upgrade): still held.
    const again = gateOf(oldCode).restore([{ event: b, parkedAt: 0 }], [a.id]);
    expect(again.parked.map((p) => p.missing)).toEqual([[SCHEMA_UPGRADE_DEPENDENCY]]);
  });

  const history = fc
    .array(
      fc.record({
        stream: fc.integer({ min: 0, max: 1 }),
        reset: fc.boolean(),
        version: fc.constantFrom(1 as const, 2 as const, 3 as const),
        value: fc.integer({ min: 0, max: 9 }),
        parents: fc.array(fc.nat(), { maxLength: 2 }),
        causedBy: fc.option(fc.nat(), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 30 },
    )
    .map((specs) => {
      const f = new TestEventFactory({ seed: 'hold' });
      const events: UnsignedEnvelope[] = [];
      specs.forEach((spec) => {
        const stream = STREAMS[spec.stream] as string;
        const own = events.filter((e) => e.stream === stream);
        const parents =
          own.length === 0 ? [] : [...new Set(spec.parents.map((p) => own[p % own.length]!.id))];
        const other = events.filter((e) => e.stream !== stream);
        const causedBy =
          spec.causedBy === undefined || other.length === 0
            ? undefined
            : other[spec.causedBy % other.length]!.id;
        events.push(
          spec.reset
            ? f.event({ type: 'Reset', stream, parents, ...(causedBy ? { causedBy } : {}) })
            : f.event({
                type: 'Measured',
                stream,
                parents,
                data: measuredData(spec.version, spec.value, 'us'),
                schemaVersion: spec.version,
                ...(causedBy ? { causedBy } : {}),
              }),
        );
      });
      return events;
    });

  it('keeps the applied set causally closed and releases everything after the upgrade', () => {
    fc.assert(
      fc.property(history, fc.gen(), (events, g) => {
        const byId = new Map(events.map((e) => [e.id, e] as const));
        const delivered = shuffle(g, [...events, ...events.filter((_, i) => i % 3 === 0)]);
        const gate = gateOf(oldCode);
        const applied: UnsignedEnvelope[] = [];
        const appliedIds = new Set<EventId>();
        for (const batch of split(g, delivered, 5)) {
          const decision = gate.decide(batch);
          for (const event of decision.ready) {
            // Causally closed: every dependency applied before, and nothing it cannot read.
            for (const dep of dependenciesOf(event)) expect(appliedIds.has(dep)).toBe(true);
            expect(oldCode.schemaGap(event)).toBeUndefined();
            applied.push(event);
            appliedIds.add(event.id);
          }
          gate.commit(decision);
        }
        // What stays parked is exactly the unreadable events and everything depending on them.
        const blocked = new Set<EventId>();
        for (const event of events) {
          if (
            oldCode.schemaGap(event) !== undefined ||
            dependenciesOf(event).some((d) => blocked.has(d))
          )
            blocked.add(event.id);
        }
        expect(new Set(events.filter((e) => !appliedIds.has(e.id)).map((e) => e.id))).toEqual(
          blocked,
        );
        for (const id of blocked) {
          const missing = gate.missingFor(id) ?? [];
          const held = oldCode.schemaGap(byId.get(id)!) !== undefined;
          expect(missing.includes(SCHEMA_UPGRADE_DEPENDENCY)).toBe(
            held && dependenciesOf(byId.get(id)!).every((d) => appliedIds.has(d)),
          );
        }

        // The upgrade: a new gate restores the parked rows under code that reads v3.
        const rows = events
          .filter((e) => blocked.has(e.id))
          .map((event) => ({ event, parkedAt: 0 }));
        const upgraded = gateOf(newCode);
        const restored = upgraded.restore(shuffle(g, rows), appliedIds);
        for (const event of restored.ready) {
          for (const dep of dependenciesOf(event)) expect(appliedIds.has(dep)).toBe(true);
          applied.push(event);
          appliedIds.add(event.id);
        }
        upgraded.commit(restored);
        expect(restored.parked).toEqual([]);
        expect(appliedIds.size).toBe(events.length);
        // Every region ends in the state of the whole set, whatever was held on the way.
        for (const stream of STREAMS) {
          const own = applied.filter((e) => e.stream === stream);
          const all = events.filter((e) => e.stream === stream);
          expect(foldStream(own, meterV3.reducer, { stream }).state).toEqual(
            foldStream(all, meterV3.reducer, { stream }).state,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
