import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMerge } from '../conflicts/buildMerge.js';
import { analyzeConflict } from '../conflicts/analyzeConflict.js';
import type { UnsignedEnvelope } from '../envelope/Envelope.js';
import { createSigner, generateRegionKeyPair } from '../envelope/RegionKeyring.js';
import { parseEnvelope, serializeEnvelope } from '../envelope/parseEnvelope.js';
import { schemaVersionOf, withSchemaVersion } from '../envelope/schemaVersion.js';
import { signEnvelope } from '../envelope/signEnvelope.js';
import { isConcordError } from '../errors/ConcordError.js';
import { foldStream } from '../fold/foldStream.js';
import { StreamProjection } from '../fold/StreamProjection.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import { measuredData, meterV2, meterV3 } from '../testing/meterDomain.fixtures.js';
import { defineDomain, RESOLUTION_POLICIES, type DomainModule } from './DomainModule.js';
import { DomainRegistry } from './DomainRegistry.js';
import { mergePatchDomain } from './mergePatchDomain.js';
import { authoredReducer, normalizeDomain, withWriteVersions } from './normalizeDomain.js';
import { encodeForWrite, schemaGapOf, upcastEvent } from './upcastEvent.js';

const f = () => new TestEventFactory({ stream: 'meter-1', seed: 'schema-evolution' });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('the schema version of an event', () => {
  it('is meta.schemaVersion, 1 when absent, always 1 for a merge', () => {
    const e = f().event({ type: 'Measured', data: { celsius: 1 } });
    expect(e.meta).toEqual({});
    expect(schemaVersionOf(e)).toBe(1);
    expect(schemaVersionOf({ ...e, meta: { schemaVersion: 3 } })).toBe(3);
    expect(schemaVersionOf({ ...e, type: 'concord.merge', meta: { schemaVersion: 3 } })).toBe(1);
    expect(withSchemaVersion({ a: 1, schemaVersion: 2 }, 1)).toEqual({ a: 1 });
  });

  it('is signed with the envelope and validated by parseEnvelope', () => {
    const keys = generateRegionKeyPair();
    const signer = createSigner('us', keys.privateKey);
    const base = f().event({ type: 'Measured', data: { value: 1, unit: 'C' }, schemaVersion: 2 });
    const signed = signEnvelope(base, signer);
    expect(parseEnvelope(serializeEnvelope(signed)).meta.schemaVersion).toBe(2);
    for (const bad of [0, 1.5, -1, '2', 1_000_001]) {
      const error = thrown(() =>
        parseEnvelope({ ...signed, meta: { ...signed.meta, schemaVersion: bad } }),
      );
      expect(isConcordError(error, 'ENVELOPE_INVALID')).toBe(true);
      expect((error as { details: { field: string } }).details.field).toBe('meta.schemaVersion');
    }
  });
});

describe('event schemas of a domain module', () => {
  const reducer = { initialState: () => ({}), evolve: (s: object) => s };

  it('are checked when the module is defined: every upcaster and downcaster is there', () => {
    const cases: [DomainModule['events'], string][] = [
      [{ T: { version: 3, upcast: { 1: (d) => d } } }, 'events.T.upcast.2'],
      [{ T: { version: 2, writeVersion: 3, upcast: { 1: (d) => d } } }, 'events.T.writeVersion'],
      [{ T: { version: 2, writeVersion: 1, upcast: { 1: (d) => d } } }, 'events.T.downcast.2'],
      [{ T: { version: 0 } }, 'events.T.version'],
      [{ 'concord.x': {} }, 'events.concord.x'],
    ];
    for (const [events, field] of cases) {
      const error = thrown(() =>
        defineDomain({ category: 'x', policy: RESOLUTION_POLICIES.lww, reducer, events }),
      );
      expect(isConcordError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as { details: { field: string } }).details.field).toBe(field);
    }
  });

  it('upcast v1 → v2 → v3 in order, idempotently; merges are left alone', () => {
    const factory = f();
    const v1 = factory.event({ type: 'Measured', data: { celsius: 21 }, origin: 'eu' });
    const up = upcastEvent(meterV3, v1);
    expect(up.data).toEqual({ value: 21, unit: 'C', source: 'eu' });
    expect(up.meta.schemaVersion).toBe(3);
    expect(upcastEvent(meterV3, up)).toBe(up);
    expect(upcastEvent(meterV2, v1).data).toEqual({ value: 21, unit: 'C' });
    const v3 = factory.event({
      type: 'Measured',
      data: measuredData(3, 1, 'us'),
      schemaVersion: 3,
    });
    expect(upcastEvent(meterV3, v3)).toBe(v3);
    const reset = factory.event({ type: 'Reset' });
    expect(upcastEvent(meterV3, reset)).toBe(reset);
  });

  it('say what a module cannot interpret: a newer version, or a type it does not list', () => {
    const factory = f();
    const v3 = factory.event({
      type: 'Measured',
      data: measuredData(3, 1, 'us'),
      schemaVersion: 3,
    });
    expect(schemaGapOf(meterV2, v3)).toEqual({ type: 'Measured', version: 3, readable: 2 });
    expect(schemaGapOf(meterV3, v3)).toBeUndefined();
    const other = factory.event({ type: 'Calibrated' });
    expect(schemaGapOf(meterV3, other)).toEqual({
      type: 'Calibrated',
      version: 1,
      readable: undefined,
    });
    // A module without schemas reads every type at version 1, and nothing newer.
    const open = mergePatchDomain('note');
    expect(schemaGapOf(open, other)).toBeUndefined();
    expect(schemaGapOf(open, { ...other, meta: { schemaVersion: 2 } })?.readable).toBe(1);
  });

  it('the module reducer upcasts before evolve and refuses what it cannot interpret', () => {
    const factory = f();
    const events = [
      factory.event({ type: 'Measured', data: measuredData(1, 10, 'us') }),
      factory.event({ type: 'Measured', data: measuredData(2, 5, 'eu'), schemaVersion: 2 }),
    ];
    expect(foldStream(events, meterV2.reducer).state).toEqual({ total: 15, count: 2, sources: [] });
    expect(foldStream(events, meterV3.reducer).state).toEqual({
      total: 15,
      count: 2,
      sources: ['us'],
    });
    const v3 = factory.event({
      type: 'Measured',
      data: measuredData(3, 1, 'ap'),
      schemaVersion: 3,
    });
    const error = thrown(() => foldStream([...events, v3], meterV2.reducer));
    expect(isConcordError(error, 'INTERNAL')).toBe(true);
    expect((error as { details: { reason: string } }).details.reason).toBe('schema-version');
    // A plain merge-patch module refuses a version it does not know, too.
    const note = factory.event({ type: 'Set', stream: 'note-1', data: { a: 1 }, schemaVersion: 2 });
    expect(() => foldStream([note], mergePatchDomain('note').reducer)).toThrow(/version 2/);
  });

  it('is normalized once: spreading or registering a defined module does not wrap it twice', () => {
    const again = normalizeDomain(meterV3);
    expect(again).toBe(meterV3);
    const spread = normalizeDomain({ ...meterV3, policy: RESOLUTION_POLICIES.manual });
    expect(authoredReducer(spread)).toBe(authoredReducer(meterV3));
    const registry = new DomainRegistry([meterV3]);
    expect(registry.forCategory('meter')).toBe(meterV3);
  });

  it('encode a writer command at the write version: downcast step by step', () => {
    const data = measuredData(3, 7, 'us');
    expect(encodeForWrite(meterV3, 'Measured', data)).toEqual({ data, version: 3 });
    expect(encodeForWrite(withWriteVersions(meterV3, { Measured: 2 }), 'Measured', data)).toEqual({
      data: { value: 7, unit: 'C' },
      version: 2,
    });
    expect(encodeForWrite(withWriteVersions(meterV3, { Measured: 1 }), 'Measured', data)).toEqual({
      data: { celsius: 7 },
      version: 1,
    });
    const refused = thrown(() =>
      encodeForWrite(withWriteVersions(meterV3, { Measured: 1 }), 'Measured', {
        value: 7,
        unit: 'F',
      }),
    );
    expect(isConcordError(refused, 'DOMAIN_REJECTED')).toBe(true);
    expect(
      isConcordError(
        thrown(() => encodeForWrite(meterV3, 'Calibrated', {})),
        'DOMAIN_REJECTED',
      ),
    ).toBe(true);
    expect(encodeForWrite(mergePatchDomain('note'), 'Anything', { a: 1 })).toEqual({
      data: { a: 1 },
      version: 1,
    });
  });

  it('a written event reads back as what the writer prepared (encode then upcast)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 50 }), fc.constantFrom(1, 2, 3), (value, write) => {
        const module = withWriteVersions(meterV3, { Measured: write });
        const prepared = measuredData(3, value, 'us');
        const { data, version } = encodeForWrite(module, 'Measured', prepared);
        const event = f().event({ type: 'Measured', data, origin: 'us', schemaVersion: version });
        expect(upcastEvent(meterV3, event).data).toEqual(prepared);
      }),
    );
  });

  it('conflict hooks see the events upcast to the version the module reads', () => {
    const factory = f();
    const root = factory.event({ type: 'Measured', data: measuredData(1, 1, 'us') });
    const a = factory.event({
      type: 'Measured',
      data: measuredData(1, 2, 'us'),
      parents: [root.id],
    });
    const b = factory.event({
      type: 'Measured',
      data: measuredData(2, 3, 'eu'),
      parents: [root.id],
      origin: 'eu',
      schemaVersion: 2,
    });
    const seen: unknown[] = [];
    const module = normalizeDomain({
      ...meterV3,
      contestedFields(context) {
        seen.push(...context.sinceFork.map((e) => [e.data, e.meta.schemaVersion]));
        return [];
      },
    });
    analyzeConflict({ events: [root, a, b] }, module);
    expect(seen).toEqual([
      [{ value: 2, unit: 'C', source: 'us' }, 3],
      [{ value: 3, unit: 'C', source: 'eu' }, 3],
    ]);
    // The merge built from a mixed fold is the same as from the all-v3 fold.
    const merge = buildMerge({ events: [root, a, b], module: meterV3, regions: ['eu', 'us'] });
    const upcast = [root, a, b].map((e) => upcastEvent(meterV3, e));
    expect(buildMerge({ events: upcast, module: meterV3, regions: ['eu', 'us'] }).merge).toEqual(
      merge.merge,
    );
  });
});

/** A random causal history of one meter stream, each `Measured` written in a random version. */
const mixedHistory = fc
  .array(
    fc.record({
      reset: fc.boolean(),
      value: fc.integer({ min: -20, max: 20 }),
      version: fc.constantFrom(1 as const, 2 as const, 3 as const),
      origin: fc.constantFrom('us', 'eu', 'ap'),
      parents: fc.array(fc.nat(), { maxLength: 3 }),
      wall: fc.integer({ min: 0, max: 5 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((specs) => {
    const factory = new TestEventFactory({ stream: 'meter-1', seed: 'mixed' });
    const mixed: UnsignedEnvelope[] = [];
    const upcast: UnsignedEnvelope[] = [];
    specs.forEach((spec, i) => {
      const parents =
        i === 0 ? [] : [...new Set(spec.parents.map((p) => (mixed[p % i] as UnsignedEnvelope).id))];
      const hlc = { wall: 1_767_225_600_000 + spec.wall, logical: i };
      const event = spec.reset
        ? factory.event({ type: 'Reset', parents, hlc, origin: spec.origin })
        : factory.event({
            type: 'Measured',
            data: measuredData(spec.version, spec.value, spec.origin),
            parents,
            hlc,
            origin: spec.origin,
            schemaVersion: spec.version,
          });
      mixed.push(event);
      upcast.push(
        spec.reset
          ? event
          : {
              ...event,
              data: measuredData(3, spec.value, spec.origin),
              meta: withSchemaVersion(event.meta, 3),
            },
      );
    });
    return { mixed, upcast };
  });

/** A random topological order of a causally closed set, cut into batches. */
function causalBatches(
  g: fc.GeneratorValue,
  events: readonly UnsignedEnvelope[],
): UnsignedEnvelope[][] {
  const left = [...events];
  const done = new Set<string>();
  const order: UnsignedEnvelope[] = [];
  while (left.length > 0) {
    const ready = left.filter((e) => e.parents.every((p) => done.has(p)));
    const pick = ready[g(fc.integer, { min: 0, max: ready.length - 1 })] as UnsignedEnvelope;
    order.push(pick);
    done.add(pick.id);
    left.splice(left.indexOf(pick), 1);
  }
  const batches: UnsignedEnvelope[][] = [];
  for (let i = 0; i < order.length;) {
    const size = g(fc.integer, { min: 1, max: 4 });
    batches.push(order.slice(i, i + size));
    i += size;
  }
  return batches;
}

describe('folding events of mixed schema versions (properties)', () => {
  it('any mix of v1/v2/v3 events folds to the state, order and heads of the all-upcast events', () => {
    fc.assert(
      fc.property(mixedHistory, ({ mixed, upcast }) => {
        const a = foldStream(mixed, meterV3.reducer, { stream: 'meter-1' });
        const b = foldStream(upcast, meterV3.reducer, { stream: 'meter-1' });
        expect(a.state).toEqual(b.state);
        expect(a.heads).toEqual(b.heads);
        expect(a.order.map((e) => e.id)).toEqual(b.order.map((e) => e.id));
      }),
      { numRuns: 300 },
    );
  });

  it('the incremental fold upcasts exactly like the from-scratch fold, after every batch', () => {
    fc.assert(
      fc.property(mixedHistory, fc.gen(), fc.integer({ min: 1, max: 5 }), ({ mixed }, g, every) => {
        const projection = new StreamProjection('meter-1', meterV3.reducer, {
          checkpointEvery: every,
        });
        const applied: UnsignedEnvelope[] = [];
        for (const batch of causalBatches(g, mixed)) {
          projection.apply(batch);
          applied.push(...batch);
          const scratch = foldStream(applied, meterV3.reducer, { stream: 'meter-1' });
          expect(projection.state).toEqual(scratch.state);
          expect(projection.heads).toEqual(scratch.heads);
        }
      }),
      { numRuns: 200 },
    );
  });
});
