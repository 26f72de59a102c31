import { defineDomain, type DomainModule } from '../domain/DomainModule.js';
import { RESOLUTION_POLICIES } from '../domain/DomainModule.js';
import type { EventSchema } from '../domain/EventSchema.js';
import type { UnsignedEnvelope } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { JsonObject } from '../json/JsonValue.js';

/**
 * Test-only: a `meter` domain whose `Measured` event went through three formats, and the two
 * releases of its module that a rollout mixes.
 * - v1 `{ celsius }`
 * - v2 `{ value, unit }` (rename + unit; upcast: unit `C`)
 * - v3 `{ value, unit, source }` (source = the writing region; upcast: the envelope's origin)
 * `Reset` `{}` stays at version 1. State: the sum of values, the count, the sources seen.
 */
export interface MeterState {
  readonly total: number;
  readonly count: number;
  readonly sources: readonly string[];
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

const upcast1to2 = (data: JsonObject): JsonObject => {
  const { celsius, ...rest } = data;
  return celsius === undefined ? data : { ...rest, value: celsius, unit: 'C' };
};
const upcast2to3 = (data: JsonObject, event: UnsignedEnvelope): JsonObject =>
  data['source'] === undefined ? { ...data, source: event.origin } : data;
const downcast2to1 = (data: JsonObject): JsonObject => {
  if (data['unit'] !== 'C')
    throw new ConcordError('DOMAIN_REJECTED', 'version 1 only knows celsius', {
      details: { field: 'data.unit' },
    });
  const { value, unit: _unit, ...rest } = data;
  return { ...rest, celsius: value ?? null };
};
const downcast3to2 = (data: JsonObject): JsonObject => {
  const { source: _source, ...rest } = data;
  return rest;
};

function meter(measured: EventSchema, readSource: boolean): DomainModule<MeterState> {
  return defineDomain<MeterState>({
    category: 'meter',
    policy: RESOLUTION_POLICIES.lww,
    events: { Measured: measured, Reset: {} },
    reducer: {
      initialState: () => ({ total: 0, count: 0, sources: [] }),
      evolve(state, event) {
        if (event.type === 'Reset') return { ...state, total: 0 };
        if (event.type !== 'Measured') return state;
        const value = num(event.data['value']);
        if (value === undefined) return state;
        const source = event.data['source'];
        const sources =
          readSource && typeof source === 'string' && !state.sources.includes(source)
            ? [...state.sources, source].sort()
            : state.sources;
        return { total: state.total + value, count: state.count + 1, sources };
      },
    },
  });
}

/** The old release: reads `Measured` up to v2, writes v2. */
export const meterV2 = meter(
  { version: 2, upcast: { 1: upcast1to2 }, downcast: { 2: downcast2to1 } },
  false,
);

/** The new release: reads up to v3, writes v3. */
export const meterV3 = meter(
  {
    version: 3,
    upcast: { 1: upcast1to2, 2: upcast2to3 },
    downcast: { 2: downcast2to1, 3: downcast3to2 },
  },
  true,
);

/** `Measured` data of `value` (°C) written by `origin` in each version. */
export function measuredData(version: 1 | 2 | 3, value: number, origin: string): JsonObject {
  if (version === 1) return { celsius: value };
  if (version === 2) return { value, unit: 'C' };
  return { value, unit: 'C', source: origin };
}
