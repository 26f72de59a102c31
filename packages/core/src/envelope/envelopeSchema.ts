import { z } from 'zod';
import { findNonJson, isJsonObject, type JsonObject } from '../json/JsonValue.js';
import { isReservedType, MERGE_EVENT_TYPE, type EnvelopeMeta } from './Envelope.js';
import { isSchemaVersion, MAX_SCHEMA_VERSION, SCHEMA_VERSION_KEY } from './schemaVersion.js';
import {
  ENVELOPE_LIMITS,
  REGION_PATTERN,
  SIGNATURE_PATTERN,
  STREAM_PATTERN,
  TYPE_PATTERN,
  UUID_PATTERN,
  uuidVersion,
} from './limits.js';

const eventId = z.string().regex(UUID_PATTERN, 'must be a lower-case UUID');
const regionId = z.string().regex(REGION_PATTERN, 'must match ^[a-z][a-z0-9-]{0,31}$');
const counter = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function jsonObject(maxDepth: number) {
  return z
    .custom<JsonObject>((value) => isJsonObject(value), 'must be a JSON object')
    .superRefine((value, ctx) => {
      const bad = findNonJson(value, maxDepth);
      if (bad) ctx.addIssue({ code: 'custom', message: bad.reason, path: bad.path });
    });
}

/**
 * The zod schema of envelope v1 (docs/semantics.md §1) for a given nesting bound. Objects are strict:
 * an unknown field anywhere in the fixed structure is invalid. Cross-field rules (id version
 * vs. type, self-references) are checked here too.
 */
export function createEnvelopeSchema(options: { maxDepth?: number; signed?: boolean } = {}) {
  const maxDepth = options.maxDepth ?? ENVELOPE_LIMITS.maxDepth;
  const meta = jsonObject(maxDepth).superRefine((value, ctx) => {
    const signedBy = (value as EnvelopeMeta).signedBy;
    if (
      signedBy !== undefined &&
      !(typeof signedBy === 'string' && REGION_PATTERN.test(signedBy))
    ) {
      ctx.addIssue({ code: 'custom', message: 'must be a region id', path: ['signedBy'] });
    }
    const version = (value as EnvelopeMeta)[SCHEMA_VERSION_KEY];
    if (version !== undefined && !isSchemaVersion(version)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an integer from 1 to ${MAX_SCHEMA_VERSION}`,
        path: [SCHEMA_VERSION_KEY],
      });
    }
  });
  const shape = {
    v: z.literal(1),
    id: eventId,
    stream: z
      .string()
      .min(1)
      .max(ENVELOPE_LIMITS.streamMaxLength)
      .regex(STREAM_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9._:@-]*$'),
    type: z
      .string()
      .min(1)
      .max(ENVELOPE_LIMITS.typeMaxLength)
      .regex(TYPE_PATTERN, 'must match ^[A-Za-z][A-Za-z0-9._-]*$')
      .refine((type) => !isReservedType(type) || type === MERGE_EVENT_TYPE, {
        message: `the concord. prefix is reserved (only ${MERGE_EVENT_TYPE} exists)`,
      }),
    data: jsonObject(maxDepth),
    origin: regionId,
    hlc: z.strictObject({ wall: counter, logical: counter }),
    parents: z.array(eventId).superRefine((parents, ctx) => {
      for (let i = 1; i < parents.length; i++) {
        if ((parents[i - 1] as string) >= (parents[i] as string)) {
          ctx.addIssue({ code: 'custom', message: 'must be sorted and unique', path: [i] });
          return;
        }
      }
    }),
    causedBy: eventId.optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .refine((key) => [...key].length <= ENVELOPE_LIMITS.idempotencyKeyMaxLength, {
        message: `must be at most ${ENVELOPE_LIMITS.idempotencyKeyMaxLength} characters`,
      })
      .optional(),
    meta,
  };
  const object =
    options.signed === false
      ? z.strictObject(shape)
      : z.strictObject({
          ...shape,
          sig: z.string().regex(SIGNATURE_PATTERN, 'must be 64 bytes of base64url'),
        });
  return object.superRefine((envelope, ctx) => {
    const version = uuidVersion(envelope.id);
    const wanted = envelope.type === MERGE_EVENT_TYPE ? 5 : 7;
    if (version !== wanted) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a UUIDv${wanted} for type ${envelope.type}`,
        path: ['id'],
      });
    }
    if (envelope.parents.includes(envelope.id)) {
      ctx.addIssue({
        code: 'custom',
        message: 'an event cannot be its own parent',
        path: ['parents'],
      });
    }
    if (envelope.causedBy === envelope.id) {
      ctx.addIssue({
        code: 'custom',
        message: 'an event cannot be caused by itself',
        path: ['causedBy'],
      });
    }
    if (envelope.type === MERGE_EVENT_TYPE && envelope.parents.length < 2) {
      ctx.addIssue({
        code: 'custom',
        message: 'a merge has at least two parents',
        path: ['parents'],
      });
    }
  });
}
