import type { IHeaders } from '@concord/kafka';
import type { Rejection } from '../apply/ApplyTypes.js';

/** Values larger than this are cut in the DLQ copy (the source position says where the whole record is). */
export const MAX_DLQ_VALUE_BYTES = 1024 * 1024;

/** Header names of a DLQ record (documented in docs/mirror.md). */
export const DLQ_HEADERS = {
  code: 'concord-dlq-code',
  field: 'concord-dlq-field',
  reason: 'concord-dlq-reason',
  sqlstate: 'concord-dlq-sqlstate',
  message: 'concord-dlq-message',
  region: 'concord-dlq-region',
  at: 'concord-dlq-at',
  sourceTopic: 'concord-source-topic',
  sourcePartition: 'concord-source-partition',
  sourceOffset: 'concord-source-offset',
  originalSize: 'concord-original-size',
  truncated: 'concord-truncated',
} as const;

/** A row of `projection.dlq_outbox`: what will be produced to `<ns>.dlq.<region>`. */
export interface DlqOutboxRow {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  /** The metric label of `concord_dlq_total{reason}`: the rejection code. */
  readonly reason: string;
}

/**
 * A header value Postgres can store (the outbox keeps headers as text): U+0000 and lone
 * surrogates — a rejected field's path may hold them — are written as `\\u0000`, `\\ud800`.
 */
export function storableText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be escaped
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/**
 * The DLQ copy of a rejected record: the original key, value (cut at 1 MiB) and headers, plus
 * the rejection (code, field, finer reason, message) and the source position.
 */
export function dlqOutboxRow(input: {
  readonly rejection: Rejection;
  readonly region: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint | string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders | undefined;
  readonly now?: Date;
}): DlqOutboxRow {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const text = headerText(value);
    if (
      text !== undefined &&
      !name.startsWith('concord-dlq-') &&
      !name.startsWith('concord-source-')
    )
      headers[name] = text;
  }
  const { rejection } = input;
  headers[DLQ_HEADERS.code] = rejection.code;
  if (rejection.field !== undefined) headers[DLQ_HEADERS.field] = rejection.field;
  if (rejection.reason !== undefined) headers[DLQ_HEADERS.reason] = rejection.reason;
  if (rejection.sqlstate !== undefined) headers[DLQ_HEADERS.sqlstate] = rejection.sqlstate;
  headers[DLQ_HEADERS.message] = rejection.message.slice(0, 500);
  headers[DLQ_HEADERS.region] = input.region;
  headers[DLQ_HEADERS.at] = (input.now ?? new Date()).toISOString();
  headers[DLQ_HEADERS.sourceTopic] = input.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(input.partition);
  headers[DLQ_HEADERS.sourceOffset] = String(input.offset);
  let value = input.value;
  if (value !== null) {
    headers[DLQ_HEADERS.originalSize] = String(value.length);
    if (value.length > MAX_DLQ_VALUE_BYTES) {
      value = value.subarray(0, MAX_DLQ_VALUE_BYTES);
      headers[DLQ_HEADERS.truncated] = 'true';
    }
  }
  for (const name of Object.keys(headers)) headers[name] = storableText(headers[name]!);
  return { key: input.key, value, headers, reason: rejection.code };
}
