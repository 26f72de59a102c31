import { ConcordError } from '../errors/ConcordError.js';

/**
 * Where the mirror read an event: a Kafka topic, partition and offset (docs/mirror.md; the
 * reconciler compares these across regions, docs/reconciler.md). Its text form, stored with
 * every applied and parked event, is `<topic>:<partition>@<offset>`.
 */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** What `parseSourcePosition` answers: the position, or why the text is not one. */
export type SourcePositionParse =
  | { readonly ok: true; readonly position: SourcePosition }
  | { readonly ok: false; readonly error: ConcordError };

/**
 * A legal Kafka topic name: 1 to 249 of `[a-zA-Z0-9._-]`. Neither `:` nor `@` can occur in
 * one, so the text form splits without ambiguity.
 */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** A decimal without sign or leading zeros: the text form has exactly one spelling. */
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const MAX_PARTITION = 2 ** 31 - 1;
const MAX_OFFSET = 2n ** 63n - 1n;

/** `<topic>:<partition>@<offset>`: the text form of a source position. */
export function formatSourcePosition(position: SourcePosition): string {
  return `${position.topic}:${position.partition}@${position.offset}`;
}

/**
 * The source position a text names, or `SOURCE_POSITION_INVALID` (never a throw): the topic
 * must be a legal Kafka topic name, the partition a Kafka partition (0 to 2^31-1) and the offset
 * a Kafka offset (0 to 2^63-1), each as `formatSourcePosition` writes it. So a text that
 * parses formats back to itself, and every valid position survives the round trip.
 */
export function parseSourcePosition(text: string | null | undefined): SourcePositionParse {
  if (typeof text !== 'string') return invalid(text, 'is not a string');
  const at = text.lastIndexOf('@');
  const colon = text.lastIndexOf(':', at);
  if (at < 0 || colon < 0) return invalid(text, 'is not <topic>:<partition>@<offset>');
  const topic = text.slice(0, colon);
  const partition = text.slice(colon + 1, at);
  const offset = text.slice(at + 1);
  if (!TOPIC.test(topic)) return invalid(text, 'names no legal Kafka topic');
  if (!DECIMAL.test(partition) || Number(partition) > MAX_PARTITION) {
    return invalid(text, 'names no Kafka partition');
  }
  if (!DECIMAL.test(offset) || BigInt(offset) > MAX_OFFSET) {
    return invalid(text, 'names no Kafka offset');
  }
  return { ok: true, position: { topic, partition: Number(partition), offset: BigInt(offset) } };
}

function invalid(text: unknown, issue: string): SourcePositionParse {
  const shown = typeof text === 'string' ? JSON.stringify(text.slice(0, 300)) : String(text);
  return {
    ok: false,
    error: new ConcordError('SOURCE_POSITION_INVALID', `source position ${shown} ${issue}`, {
      details: { source: typeof text === 'string' ? text.slice(0, 300) : null },
    }),
  };
}
