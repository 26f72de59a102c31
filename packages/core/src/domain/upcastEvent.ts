import { isMergeEvent, type UnsignedEnvelope } from '../envelope/Envelope.js';
import { schemaVersionOf, withSchemaVersion } from '../envelope/schemaVersion.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { JsonObject } from '../json/JsonValue.js';
import type { DomainModule } from './DomainModule.js';
import type { EventSchema, SchemaGap } from './EventSchema.js';

type Schemas = Pick<DomainModule, 'events'>;

/**
 * The newest schema version a module reads for `type`: the declared `version` (default 1);
 * 1 for every type when the module declares no `events`; `undefined` when it declares
 * `events` without this type (a type it does not know). Merges are always 1.
 */
export function readVersionOf(module: Schemas, type: string): number | undefined {
  if (isMergeEvent({ type }) || module.events === undefined) return 1;
  const schema: EventSchema | undefined = Object.hasOwn(module.events, type)
    ? module.events[type]
    : undefined;
  return schema === undefined ? undefined : (schema.version ?? 1);
}

/** The version a writer with this module writes for `type` (`writeVersion`, default `version`). */
export function writeVersionOf(module: Schemas, type: string): number | undefined {
  const read = readVersionOf(module, type);
  if (read === undefined || isMergeEvent({ type })) return read;
  return module.events?.[type]?.writeVersion ?? read;
}

/**
 * What a module cannot interpret about an event, or `undefined` when it can fold it: the event's
 * type is unknown to a module that lists its types, or its schema version is newer than the
 * module reads. Such an event must never reach `evolve`: the mirror parks it (the hold of the
 * causal gate) until the region runs code that reads it.
 */
export function schemaGapOf(
  module: Schemas,
  event: Pick<UnsignedEnvelope, 'type' | 'meta'>,
): SchemaGap | undefined {
  const version = schemaVersionOf(event);
  const readable = readVersionOf(module, event.type);
  return readable !== undefined && version <= readable
    ? undefined
    : { type: event.type, version, readable };
}

/** The error of an event that reached a fold its module cannot interpret (must never happen). */
export function schemaGapError(
  event: Pick<UnsignedEnvelope, 'id' | 'stream'>,
  gap: SchemaGap,
): ConcordError {
  const what =
    gap.readable === undefined
      ? `type ${gap.type}, unknown to this code`
      : `${gap.type} version ${gap.version}, this code reads up to ${gap.readable}`;
  return new ConcordError('INTERNAL', `event ${event.id} of ${event.stream} is ${what}`, {
    details: { reason: 'schema-version', event: event.id, stream: event.stream, ...gap },
  });
}

/**
 * The event as the module's reducer and hooks read it: its `data` run through the upcasters
 * from its schema version to the module's (`upcast[v]` for v = version … readVersion − 1, in
 * order) and `meta.schemaVersion` set to the result's version. A copy (its signature no longer
 * holds: never store or forward it); the event itself when nothing changes. Idempotent.
 *
 * @throws ConcordError INTERNAL (`details.reason: 'schema-version'`) for an event the module
 * cannot interpret (see {@link schemaGapOf}).
 */
export function upcastEvent<E extends UnsignedEnvelope>(module: Schemas, event: E): E {
  const gap = schemaGapOf(module, event);
  if (gap) throw schemaGapError(event, gap);
  if (isMergeEvent(event)) return event;
  const from = schemaVersionOf(event);
  const to = readVersionOf(module, event.type) as number;
  if (from === to) return event;
  const upcast = module.events?.[event.type]?.upcast ?? {};
  let data: JsonObject = event.data;
  for (let v = from; v < to; v++) {
    const step = upcast[v];
    // normalizeDomain checked that every step exists; a module that skipped it fails loudly.
    if (!step) throw schemaGapError(event, { type: event.type, version: v, readable: to });
    data = step(data, event);
  }
  return { ...event, data, meta: withSchemaVersion(event.meta, to) };
}

/**
 * The data and schema version a writer writes for a command whose (prepared) data is in the
 * module's read version: downcast step by step to the type's write version.
 *
 * @throws ConcordError DOMAIN_REJECTED for a type the module does not list, or from a
 * downcaster (data that has no form in the write version).
 */
export function encodeForWrite(
  module: Schemas,
  type: string,
  data: JsonObject,
): { readonly data: JsonObject; readonly version: number } {
  const read = readVersionOf(module, type);
  if (read === undefined) {
    throw new ConcordError('DOMAIN_REJECTED', `unknown event type ${type}`, {
      details: { field: 'type', type },
    });
  }
  const target = writeVersionOf(module, type) as number;
  const downcast = module.events?.[type]?.downcast ?? {};
  let encoded = data;
  for (let v = read; v > target; v--) {
    const step = downcast[v];
    if (!step) {
      throw new ConcordError('INTERNAL', `no downcaster from ${type} version ${v}`, {
        details: { reason: 'schema-version', type, version: v },
      });
    }
    encoded = step(encoded);
  }
  return { data: encoded, version: target };
}
