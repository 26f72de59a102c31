import type { z } from 'zod';
import { ConcordError } from '../errors/ConcordError.js';
import { canonicalJson } from '../json/canonicalJson.js';
import type { Envelope, UnsignedEnvelope } from './Envelope.js';
import { createEnvelopeSchema } from './envelopeSchema.js';
import { ENVELOPE_LIMITS } from './limits.js';

export interface ParseEnvelopeOptions {
  /** Largest serialized envelope accepted, in bytes. Default 262 144 (256 KiB). */
  maxBytes?: number;
  /** Deepest nesting accepted in `data` and `meta`. Default 64. */
  maxDepth?: number;
}

/** The outcome of {@link safeParseEnvelope}: never throws. */
export type EnvelopeParseResult<T> = { ok: true; envelope: T } | { ok: false; error: ConcordError };

type Schema = ReturnType<typeof createEnvelopeSchema>;
const schemas = new Map<string, Schema>();
function schemaFor(maxDepth: number, signed: boolean): Schema {
  const key = `${maxDepth}:${signed}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = createEnvelopeSchema({ maxDepth, signed });
    schemas.set(key, schema);
  }
  return schema;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** UTF-8 byte length of a string, without allocating the bytes. */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The wire form of an envelope: its RFC 8785 canonical JSON. The writer produces exactly these
 * bytes, so the size limit means the same thing everywhere.
 */
export function serializeEnvelope(envelope: UnsignedEnvelope<unknown>): string {
  return canonicalJson(envelope);
}

/** UTF-8 bytes of {@link serializeEnvelope}. */
export function encodeEnvelope(envelope: UnsignedEnvelope<unknown>): Uint8Array {
  return encoder.encode(serializeEnvelope(envelope));
}

function invalid(field: string, message: string, cause?: unknown): ConcordError {
  return new ConcordError(
    'ENVELOPE_INVALID',
    `envelope ${field === '$' ? '' : `field ${field} `}${message}`.trim(),
    {
      details: { field },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.length === 0 ? '$' : path.join('.');
}

function parse(
  input: unknown,
  signed: boolean,
  options: ParseEnvelopeOptions,
): EnvelopeParseResult<Envelope> {
  const maxBytes = options.maxBytes ?? ENVELOPE_LIMITS.maxBytes;
  let value: unknown = input;
  let size: number;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    size = typeof input === 'string' ? utf8Length(input) : input.byteLength;
    if (size > maxBytes) return { ok: false, error: tooLarge(size, maxBytes) };
    try {
      value = JSON.parse(typeof input === 'string' ? input : decoder.decode(input));
    } catch (error) {
      return { ok: false, error: invalid('$', 'is not valid UTF-8 JSON', error) };
    }
  } else {
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch (error) {
      return { ok: false, error: invalid('$', 'is not serializable', error) };
    }
    size = text === undefined ? 0 : utf8Length(text);
    if (size > maxBytes) return { ok: false, error: tooLarge(size, maxBytes) };
  }
  const result = schemaFor(options.maxDepth ?? ENVELOPE_LIMITS.maxDepth, signed).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? fieldOf(issue) : '$';
    return { ok: false, error: invalid(field, issue?.message ?? 'is invalid', result.error) };
  }
  return { ok: true, envelope: result.data as unknown as Envelope };
}

function tooLarge(size: number, limit: number): ConcordError {
  return new ConcordError(
    'ENVELOPE_TOO_LARGE',
    `envelope is ${size} bytes, the limit is ${limit}`,
    {
      details: { field: '$', size, limit },
    },
  );
}

/**
 * Parses and validates a signed envelope v1 from raw bytes, a JSON string, or an already
 * decoded value. Checks the size first (the raw length for bytes and strings, the JSON length
 * for values), then every field of docs/semantics.md §1. Does not verify the signature: see
 * `verifyEnvelope`.
 *
 * @throws ConcordError ENVELOPE_TOO_LARGE or ENVELOPE_INVALID, with `details.field` naming the
 * failing field (dotted path, `$` for the whole envelope).
 */
export function parseEnvelope(input: unknown, options: ParseEnvelopeOptions = {}): Envelope {
  const result = parse(input, true, options);
  if (!result.ok) throw result.error;
  return result.envelope;
}

/** {@link parseEnvelope} without throwing. */
export function safeParseEnvelope(
  input: unknown,
  options: ParseEnvelopeOptions = {},
): EnvelopeParseResult<Envelope> {
  return parse(input, true, options);
}

/**
 * Validates an envelope that is not signed yet (no `sig` field allowed), e.g. one the writer
 * built or a merge built by `buildMerge`.
 */
export function parseUnsignedEnvelope(
  input: unknown,
  options: ParseEnvelopeOptions = {},
): UnsignedEnvelope {
  const result = parse(input, false, options);
  if (!result.ok) throw result.error;
  return result.envelope;
}
