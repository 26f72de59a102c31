import {
  ConcordError,
  ENVELOPE_LIMITS,
  findNonJson,
  isJsonObject,
  isReservedType,
  isWellFormed,
  STREAM_PATTERN,
  TYPE_PATTERN,
  UUID_PATTERN,
  type EventId,
  type JsonObject,
  type StreamId,
} from '@concord/core';

/** A validated append request: what a client asks the writer to append to one stream. */
export interface AppendCommand {
  readonly stream: StreamId;
  readonly type: string;
  readonly data: JsonObject;
  readonly idempotencyKey?: string;
  /** Optimistic concurrency: the heads the client expects (a set, sorted here). */
  readonly expectedHeads?: readonly EventId[];
  readonly causedBy?: EventId;
}

/** Most expected heads a request may name (a stream rarely has more than a few heads). */
export const MAX_EXPECTED_HEADS = 1000;

const BODY_FIELDS = new Set(['type', 'data', 'idempotencyKey', 'expectedHeads', 'causedBy']);
const BATCH_ITEM_FIELDS = new Set([...BODY_FIELDS, 'stream']);

function invalid(field: string, message: string): ConcordError {
  return new ConcordError('VALIDATION_FAILED', `${field} ${message}`, { details: { field } });
}

/** Checks a stream id against docs/semantics.md §1 (1–200 chars, `^[A-Za-z0-9][A-Za-z0-9._:@-]*$`). */
export function checkStream(stream: unknown, field = 'stream'): StreamId {
  if (typeof stream !== 'string') throw invalid(field, 'must be a string');
  if (stream.length < 1 || stream.length > ENVELOPE_LIMITS.streamMaxLength)
    throw invalid(field, `must be 1–${ENVELOPE_LIMITS.streamMaxLength} characters`);
  if (!STREAM_PATTERN.test(stream)) throw invalid(field, `must match ${STREAM_PATTERN.source}`);
  return stream;
}

/** Checks an event id (lower-case UUID). */
export function checkEventId(id: unknown, field: string): EventId {
  if (typeof id !== 'string' || !UUID_PATTERN.test(id))
    throw invalid(field, 'must be a lower-case UUID');
  return id;
}

function checkIdempotencyKey(key: unknown, field: string): string {
  if (typeof key !== 'string') throw invalid(field, 'must be a string');
  if (key.length === 0) throw invalid(field, 'must not be empty');
  if (!isWellFormed(key)) throw invalid(field, 'must be valid Unicode (no lone surrogate)');
  if ([...key].length > ENVELOPE_LIMITS.idempotencyKeyMaxLength)
    throw invalid(field, `must be at most ${ENVELOPE_LIMITS.idempotencyKeyMaxLength} characters`);
  return key;
}

/**
 * Validates one append request against docs/semantics.md §1 and docs/writer.md §1: the stream (from the path, or the
 * item for a batch), the body `{type, data, idempotencyKey?, expectedHeads?, causedBy?}` and
 * the `Idempotency-Key` header (which must agree with the body's key when both are given).
 *
 * @throws ConcordError VALIDATION_FAILED (`details.field`), or RESERVED_TYPE for a type under
 * the reserved `concord.` prefix.
 */
export function parseAppendCommand(input: {
  stream: unknown;
  body: unknown;
  headerKey?: unknown;
  /** Batch items carry their stream in the body. */
  batchItem?: boolean;
}): AppendCommand {
  const { body } = input;
  if (!isJsonObject(body)) throw invalid('body', 'must be a JSON object');
  const allowed = input.batchItem ? BATCH_ITEM_FIELDS : BODY_FIELDS;
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw invalid(key, 'is not a known field');
  }
  const stream = checkStream(input.stream);

  const type = body.type;
  if (typeof type !== 'string') throw invalid('type', 'must be a string');
  if (type.length < 1 || type.length > ENVELOPE_LIMITS.typeMaxLength)
    throw invalid('type', `must be 1–${ENVELOPE_LIMITS.typeMaxLength} characters`);
  if (!TYPE_PATTERN.test(type)) throw invalid('type', `must match ${TYPE_PATTERN.source}`);
  if (isReservedType(type)) {
    throw new ConcordError('RESERVED_TYPE', `type ${type} is reserved for Concord itself`, {
      details: { field: 'type' },
    });
  }

  const data = body.data;
  if (!isJsonObject(data)) throw invalid('data', 'must be a JSON object');
  const bad = findNonJson(data, ENVELOPE_LIMITS.maxDepth);
  if (bad) {
    const path = ['data', ...bad.path.map(String)].join('.');
    throw invalid(path, bad.reason);
  }

  let idempotencyKey: string | undefined;
  if (body.idempotencyKey !== undefined)
    idempotencyKey = checkIdempotencyKey(body.idempotencyKey, 'idempotencyKey');
  if (input.headerKey !== undefined) {
    if (Array.isArray(input.headerKey))
      throw invalid('Idempotency-Key', 'header must be given once');
    const fromHeader = checkIdempotencyKey(input.headerKey, 'Idempotency-Key');
    if (idempotencyKey !== undefined && idempotencyKey !== fromHeader)
      throw invalid('Idempotency-Key', 'header and body idempotencyKey differ');
    idempotencyKey = fromHeader;
  }

  let expectedHeads: EventId[] | undefined;
  if (body.expectedHeads !== undefined) {
    const heads = body.expectedHeads;
    if (!Array.isArray(heads)) throw invalid('expectedHeads', 'must be an array of event ids');
    if (heads.length > MAX_EXPECTED_HEADS)
      throw invalid('expectedHeads', `must name at most ${MAX_EXPECTED_HEADS} heads`);
    expectedHeads = [...new Set(heads.map((h, i) => checkEventId(h, `expectedHeads.${i}`)))].sort();
  }

  let causedBy: EventId | undefined;
  if (body.causedBy !== undefined) causedBy = checkEventId(body.causedBy, 'causedBy');

  return {
    stream,
    type,
    data,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(expectedHeads === undefined ? {} : { expectedHeads }),
    ...(causedBy === undefined ? {} : { causedBy }),
  };
}
