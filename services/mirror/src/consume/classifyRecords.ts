import {
  safeParseEnvelope,
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

/** Parses one record value (schema, size, storable text); no signature check yet. */
export function parseValue(
  value: Uint8Array | null,
  maxEventBytes: number,
): { ok: true; envelope: Envelope } | { ok: false; rejection: Rejection } {
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
  if (Buffer.from(value.buffer, value.byteOffset, value.byteLength).includes(NUL_ESCAPE)) {
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
  return { ok: true, envelope: parsed.envelope };
}

/**
 * Sorts the records of one fetch into valid events and rejected records (DLQ), in order:
 * schema and size first (`ENVELOPE_INVALID`, `ENVELOPE_TOO_LARGE`), then the signature against
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
      text: record.value!.toString('utf8'),
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
