import {
  duplicateKeyPath,
  safeParseEnvelope,
  serializeEnvelope,
  verifyEnvelopes,
  type ConcordError,
  type Envelope,
  type RegionKeyring,
} from '@concord/core';
import type { IHeaders } from '@concord/kafka';
import type { ClassifiedRecord, Rejection } from '../apply/ApplyTypes.js';

/** What classification reads of a Kafka record. */
export interface RawRecord {
  readonly offset: string | bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

export interface ClassifyOptions {
  readonly keyring: RegionKeyring;
  /** Largest serialized envelope accepted (config.limits.maxEventBytes). */
  readonly maxEventBytes: number;
}

/** The rejection of a ConcordError from parsing or verification. */
export function rejectionOf(error: ConcordError): Rejection {
  const details = error.details ?? {};
  return {
    code: error.code,
    message: error.message,
    ...(typeof details['field'] === 'string' ? { field: details['field'] } : {}),
    ...(typeof details['reason'] === 'string' ? { reason: details['reason'] } : {}),
  };
}

const NUL_ESCAPE = Buffer.from('\\u0000');

/**
 * The dotted path of the first string (or object key) containing U+0000, or undefined.
 * Postgres `jsonb` and `text` cannot hold that character, so such an envelope, although valid
 * JSON and possibly correctly signed, can never be stored: every region rejects it alike.
 */
export function nulCharacterPath(value: unknown, path = '$'): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulCharacterPath(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '$' ? key : `${path}.${key}`;
      if (key.includes('\u0000')) return childPath;
      const found = nulCharacterPath(child, childPath);
      if (found) return found;
    }
  }
  return undefined;
}

/** A record value that is an envelope: `canonical` is set when the bytes were not its canonical form. */
export type ParsedValue =
  { ok: true; envelope: Envelope; canonical?: string } | { ok: false; rejection: Rejection };

const utf8 = new TextDecoder('utf-8');

/** A worker's answer for one value: valid (`null`), valid in this canonical text, or refused. */
export type Verdict = Rejection | null | { readonly canonical: string };

/**
 * Parses one record value (schema, size, storable text, canonical form); no signature check
 * yet. The mirror stores and forwards only the canonical serialisation of the envelope (RFC
 * 8785, the bytes that are signed — docs/decisions/0008-canonical-bytes.md): when the record's
 * bytes differ from it (a byte order mark, whitespace, `0e-100000` for `0`, escapes), the
 * result carries the canonical text, which is what is verified, stored and published. A value
 * that has no single meaning (a member name twice) or no canonical form (a lone surrogate) is
 * refused with ENVELOPE_INVALID.
 */
export function parseValue(value: Uint8Array | null, maxEventBytes: number): ParsedValue {
  if (value === null || value.length === 0) {
    return {
      ok: false,
      rejection: {
        code: 'ENVELOPE_INVALID',
        message: 'record has no value',
        field: '$',
        reason: 'empty',
      },
    };
  }
  const parsed = safeParseEnvelope(value, { maxBytes: maxEventBytes });
  if (!parsed.ok) return { ok: false, rejection: rejectionOf(parsed.error) };
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bytes.includes(NUL_ESCAPE)) {
    const path = nulCharacterPath(parsed.envelope);
    if (path !== undefined) {
      return {
        ok: false,
        rejection: {
          code: 'ENVELOPE_INVALID',
          message: `envelope field ${path} contains U+0000, which Postgres cannot store`,
          field: path,
          reason: 'nul-character',
        },
      };
    }
  }
  let canonical: string;
  try {
    canonical = serializeEnvelope(parsed.envelope);
  } catch (error) {
    return {
      ok: false,
      rejection: {
        code: 'ENVELOPE_INVALID',
        message: `envelope has no canonical JSON form: ${(error as Error).message}`,
        field: '$',
        reason: 'no-canonical-form',
      },
    };
  }
  const canonicalBytes = Buffer.byteLength(canonical);
  if (canonicalBytes === bytes.length && bytes.equals(Buffer.from(canonical))) {
    return { ok: true, envelope: parsed.envelope };
  }
  const duplicate = duplicateKeyPath(utf8.decode(bytes));
  if (duplicate !== undefined) {
    return {
      ok: false,
      rejection: {
        code: 'ENVELOPE_INVALID',
        message: `envelope names ${duplicate} twice: the record has no single meaning`,
        field: duplicate,
        reason: 'duplicate-key',
      },
    };
  }
  if (canonicalBytes > maxEventBytes) {
    return {
      ok: false,
      rejection: {
        code: 'ENVELOPE_TOO_LARGE',
        message: `envelope is ${canonicalBytes} bytes in canonical form, the limit is ${maxEventBytes}`,
        field: '$',
        reason: 'canonical-form',
      },
    };
  }
  return { ok: true, envelope: parsed.envelope, canonical };
}

/**
 * Sorts the records of one fetch into valid events and rejected records (DLQ), in order:
 * schema, size and canonical form first (`ENVELOPE_INVALID`, `ENVELOPE_TOO_LARGE`; see
 * {@link parseValue}), then the signature against
 * the signing region's keys on libuv's thread pool (`SIGNATURE_INVALID`, `UNKNOWN_REGION`).
 * Never throws for a bad record. (The mirror runs the same steps in worker threads, see
 * VerifierPool; this in-process form is the reference and the fallback.)
 */
export async function classifyRecords(
  records: readonly RawRecord[],
  options: ClassifyOptions,
): Promise<ClassifiedRecord[]> {
  const out: ClassifiedRecord[] = [];
  const toVerify: { index: number; envelope: Envelope }[] = [];
  for (const record of records) {
    const offset = BigInt(record.offset);
    const parsed = parseValue(record.value, options.maxEventBytes);
    if (!parsed.ok) {
      out.push(invalidRecord(record, offset, parsed.rejection));
      continue;
    }
    toVerify.push({ index: out.length, envelope: parsed.envelope });
    out.push({
      kind: 'event',
      offset,
      envelope: parsed.envelope,
      text: parsed.canonical ?? record.value!.toString('utf8'),
    });
  }
  if (toVerify.length > 0) {
    const results = await verifyEnvelopes(
      toVerify.map((v) => v.envelope),
      options.keyring,
    );
    results.forEach((result, i) => {
      if (result.ok) return;
      const { index } = toVerify[i]!;
      out[index] = invalidRecord(records[index]!, out[index]!.offset, rejectionOf(result.error));
    });
  }
  return out;
}

/** The DLQ-bound form of a rejected record. */
export function invalidRecord(
  record: RawRecord,
  offset: bigint,
  rejection: Rejection,
): ClassifiedRecord {
  return {
    kind: 'invalid',
    offset,
    rejection,
    key: record.key,
    value: record.value,
    headers: record.headers,
  };
}
