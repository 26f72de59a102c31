import fc from 'fast-check';
import type { EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { RESOLUTION_POLICIES } from '../domain/DomainModule.js';
import { DomainRegistry } from '../domain/DomainRegistry.js';
import { mergePatchDomain } from '../domain/mergePatchDomain.js';
import type { JsonObject } from '../json/JsonValue.js';
import { simulateHistory, type SimulatedHistory, type SimulationOp } from './simulateHistory.js';

/**
 * Test-only fast-check arbitraries of multi-region histories (kept out of the build: this
 * file imports fast-check, a dev dependency).
 */
export const REGIONS = ['ap', 'eu', 'us', 'sa'] as const;
/** Two merge-patch streams (lww) and one whose category resolves manually. */
export const STREAMS = ['profile-1', 'profile:2', 'ticket-9'] as const;

export function testRegistry(): DomainRegistry {
  return new DomainRegistry([mergePatchDomain('ticket', RESOLUTION_POLICIES.manual)]);
}

const patch: fc.Arbitrary<JsonObject> = fc.dictionary(
  fc.constantFrom('a', 'b', 'c'),
  fc.oneof(
    fc.integer({ min: 0, max: 9 }),
    fc.constant(null),
    fc.record({ x: fc.integer({ min: 0, max: 3 }) }),
  ),
  { maxKeys: 2 },
);

export function opArbitrary(streams: number, regions: number): fc.Arbitrary<SimulationOp> {
  const region = fc.integer({ min: 0, max: regions - 1 });
  const stream = fc.integer({ min: 0, max: streams - 1 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          op: fc.constant('write' as const),
          region,
          stream,
          type: fc.constant('Set'),
          data: patch,
          idempotencyKey: fc.constantFrom(undefined, undefined, undefined, undefined, 'k1', 'k2'),
          causedByOtherStream: fc.boolean(),
          advanceMs: fc.integer({ min: 0, max: 3 }),
        },
        { requiredKeys: ['op', 'region', 'stream', 'type', 'data', 'idempotencyKey'] },
      ),
    },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('sync' as const), from: region, to: region }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('merge' as const), region, stream }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('manual' as const),
        region,
        stream,
        choose: fc.integer({ min: 0, max: 3 }),
      }),
    },
  );
}

export interface GeneratedHistory {
  readonly regions: string[];
  readonly history: SimulatedHistory;
  readonly events: readonly UnsignedEnvelope[];
}

/** A random history of 3 or 4 regions writing to three streams, with skewed clocks. */
export function historyArbitrary(
  options: { maxOps?: number; streams?: readonly string[] } = {},
): fc.Arbitrary<GeneratedHistory> {
  const streams = [...(options.streams ?? STREAMS)];
  return fc
    .record({
      regionCount: fc.integer({ min: 3, max: 4 }),
      skews: fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 4, maxLength: 4 }),
      ops: fc.array(opArbitrary(streams.length, 4), {
        minLength: 1,
        maxLength: options.maxOps ?? 40,
        size: 'max',
      }),
    })
    .map(({ regionCount, skews, ops }) => {
      const regions = REGIONS.slice(0, regionCount).map(String);
      const history = simulateHistory(ops, {
        regions,
        streams,
        registry: testRegistry(),
        clockSkewMs: skews,
      });
      return { regions, history, events: history.events };
    });
}

/** Shuffles with a fast-check generator (shrinkable). */
export function shuffle<T>(g: fc.GeneratorValue, items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = g(fc.integer, { min: 0, max: i });
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** A random causal delivery order (shrinkable): each event after its parents. */
export function causalOrder(
  g: fc.GeneratorValue,
  events: readonly UnsignedEnvelope[],
): UnsignedEnvelope[] {
  const delivered = new Set<EventId>();
  const pending = [...events];
  const order: UnsignedEnvelope[] = [];
  while (pending.length > 0) {
    const ready = pending.filter((e) => e.parents.every((p) => delivered.has(p)));
    const pick = ready[g(fc.integer, { min: 0, max: ready.length - 1 })] as UnsignedEnvelope;
    order.push(pick);
    delivered.add(pick.id);
    pending.splice(pending.indexOf(pick), 1);
  }
  return order;
}

/** Splits into consecutive batches of 1..maxSize. */
export function split<T>(g: fc.GeneratorValue, items: readonly T[], maxSize: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length;) {
    const size = g(fc.integer, { min: 1, max: maxSize });
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
}
