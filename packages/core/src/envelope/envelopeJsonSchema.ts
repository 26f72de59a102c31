import { z } from 'zod';
import { createEnvelopeSchema } from './envelopeSchema.js';

/**
 * The JSON Schema (draft 2020-12) of a signed envelope v1, generated from the zod schema the
 * services validate with — the one source of truth of docs/envelope.schema.json, which
 * docs/asyncapi.yaml references. Rules JSON Schema cannot say (sorted parents, id version vs.
 * type, the signature itself, JSON-only `data`/`meta`) stay in the description.
 */
export function envelopeJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(createEnvelopeSchema({ signed: true }), {
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const properties = { ...generated.properties };
  // `data` and `meta` are checked by custom rules (JSON values only, bounded nesting).
  properties['data'] = { type: 'object', description: 'The event payload (a JSON object).' };
  properties['meta'] = {
    type: 'object',
    description:
      'Free metadata, never part of state: traceparent, acceptedAt, signedBy (the signing region), schemaVersion.',
  };
  return {
    ...generated,
    $id: 'https://concord.invalid/schemas/envelope-v1.json',
    title: 'Concord envelope v1',
    description:
      'A signed event (docs/semantics.md). Also: `parents` sorted and unique; `sig` is Ed25519 over the RFC 8785 canonical JSON of the envelope without `sig`, by `meta.signedBy`; the whole serialized envelope at most 256 KiB by default.',
    properties,
  };
}
