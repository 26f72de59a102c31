import type { Envelope } from '../types.js';

/**
 * Parsing one record of a region's applied feed `<ns>.applied.<region>` (docs/asyncapi.yaml,
 * message `applied`): headers, key and the envelope value. Pure: no IO, never throws.
 */

/** Header names of an applied-feed record (docs/asyncapi.yaml). */
export const APPLIED_HEADERS = {
  appliedSeq: 'concord-applied-seq',
  region: 'concord-region',
  id: 'id',
  origin: 'origin',
  type: 'type',
  stream: 'stream',
  traceparent: 'traceparent',
} as const;

/** A Kafka record as the consumer sees it (kafkajs' message, with its topic and partition). */
export interface AppliedRecordInput {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null | undefined;
  readonly value: Buffer | string | null | undefined;
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
}

/** An event of the applied feed, as the handler of consumeApplied receives it. */
export interface AppliedEvent {
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly origin: string;
  readonly data: Record<string, unknown>;
  /** The applying region (the feed's region). */
  readonly region: string;
  /** Position in the region's applied order, decimal (strictly increasing per region). */
  readonly appliedSeq: string;
  readonly traceparent: string | undefined;
  /** The whole signed envelope (docs/envelope.schema.json). */
  readonly envelope: Envelope;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type ParsedAppliedRecord =
  | { readonly ok: true; readonly event: AppliedEvent }
  | { readonly ok: false; readonly reason: string };

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function text(value: unknown): string | undefined {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'string') return first;
  if (Buffer.isBuffer(first)) return first.toString('utf8');
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Why `value` is not an envelope v1, or undefined when it has the envelope's shape. */
export function envelopeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'value is not a JSON object';
  if (value['v'] !== 1) return 'envelope version is not 1';
  for (const field of ['id', 'stream', 'type', 'origin', 'sig'] as const) {
    if (!nonEmpty(value[field])) return `envelope ${field} is missing`;
  }
  if (!isObject(value['data'])) return 'envelope data is not an object';
  if (!isObject(value['meta'])) return 'envelope meta is not an object';
  const hlc = value['hlc'];
  if (!isObject(hlc) || !isCount(hlc['wall']) || !isCount(hlc['logical'])) {
    return 'envelope hlc is invalid';
  }
  const parents = value['parents'];
  if (!Array.isArray(parents) || !parents.every(nonEmpty)) return 'envelope parents are invalid';
  if (value['causedBy'] !== undefined && !nonEmpty(value['causedBy'])) {
    return 'envelope causedBy is invalid';
  }
  return undefined;
}

/**
 * The applied event of `record`, or why it is malformed: required headers missing, a value that
 * is not an envelope v1, or headers and key that disagree with the envelope. `region`, when
 * given, is the region whose feed is read: a record of another region is malformed too.
 */
export function parseAppliedRecord(
  record: AppliedRecordInput,
  region?: string,
): ParsedAppliedRecord {
  const headers = record.headers ?? {};
  const header = (name: string) => text(headers[name]);
  const seq = header(APPLIED_HEADERS.appliedSeq);
  if (seq === undefined || !DECIMAL.test(seq)) {
    return { ok: false, reason: `header ${APPLIED_HEADERS.appliedSeq} is missing or not decimal` };
  }
  const fromHeaders: Record<string, string | undefined> = {};
  for (const name of ['region', 'id', 'origin', 'type', 'stream'] as const) {
    const value = header(APPLIED_HEADERS[name]);
    if (!nonEmpty(value))
      return { ok: false, reason: `header ${APPLIED_HEADERS[name]} is missing` };
    fromHeaders[name] = value;
  }
  if (region !== undefined && fromHeaders['region'] !== region) {
    return { ok: false, reason: `record of region ${fromHeaders['region']}, not ${region}` };
  }
  const raw = text(record.value);
  if (raw === undefined || raw.length === 0) return { ok: false, reason: 'value is empty' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  const problem = envelopeProblem(value);
  if (problem !== undefined) return { ok: false, reason: problem };
  const envelope = value as unknown as Envelope;
  for (const name of ['id', 'origin', 'type', 'stream'] as const) {
    if (fromHeaders[name] !== envelope[name]) {
      return { ok: false, reason: `header ${APPLIED_HEADERS[name]} disagrees with the envelope` };
    }
  }
  const key = text(record.key);
  if (key !== undefined && key !== envelope.stream) {
    return { ok: false, reason: 'key is not the envelope stream' };
  }
  return {
    ok: true,
    event: {
      id: envelope.id,
      stream: envelope.stream,
      type: envelope.type,
      origin: envelope.origin,
      data: envelope.data,
      region: fromHeaders['region']!,
      appliedSeq: seq,
      traceparent: header(APPLIED_HEADERS.traceparent),
      envelope,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    },
  };
}
