import type { Hlc } from '../clock/Hlc.js';
import type { JsonObject, JsonValue } from '../json/JsonValue.js';

/** An event id: a lower-case UUID (v7 for written events, v5 for merges). */
export type EventId = string;
/** A region id, e.g. `us`, matching `^[a-z][a-z0-9-]{0,31}$`. */
export type RegionId = string;
/** A stream id, e.g. `account-42`. */
export type StreamId = string;

/** The envelope format version this code reads and writes. */
export const ENVELOPE_VERSION = 1;

/** Reserved event types (the `concord.` prefix is reserved for Concord itself). */
export const EVENT_TYPES = {
  /** Collapses the heads of a stream into one: emitted by a reconciler or an operator. */
  merge: 'concord.merge',
} as const;
export const MERGE_EVENT_TYPE = EVENT_TYPES.merge;
export const RESERVED_TYPE_PREFIX = 'concord.';

/** Transport and audit metadata: never part of the state. */
export interface EnvelopeMeta {
  /** The region whose key signed the envelope. */
  signedBy?: RegionId;
  /** W3C trace context of the accepting request. */
  traceparent?: string;
  /** ISO-8601 time the writer accepted the event. */
  acceptedAt?: string;
  /**
   * The schema version of `data` (an integer ≥ 1; absent: 1). The one key of `meta` the fold
   * reads, as decoding input — see `schemaVersionOf` and docs/schema-evolution.md.
   */
  schemaVersion?: number;
  [key: string]: JsonValue | undefined;
}

/**
 * An envelope before signing (docs/semantics.md §1). Everything the fold reads is here; of `meta` the fold
 * reads only `schemaVersion` (how to decode `data`, never state; ignored for merges).
 */
export interface UnsignedEnvelope<D = JsonObject> {
  readonly v: 1;
  readonly id: EventId;
  readonly stream: StreamId;
  readonly type: string;
  readonly data: D;
  readonly origin: RegionId;
  readonly hlc: Hlc;
  /** Sorted, unique: the heads of the stream the writer saw. */
  readonly parents: readonly EventId[];
  /** An event (of any stream) that must be applied first. */
  readonly causedBy?: EventId;
  /** Scoped to the stream: the first event in fold order with a key takes effect. */
  readonly idempotencyKey?: string;
  readonly meta: EnvelopeMeta;
}

/** A signed envelope v1, as it travels on Kafka. */
export interface Envelope<D = JsonObject> extends UnsignedEnvelope<D> {
  /** Ed25519 signature (base64url, 86 chars) over the canonical envelope without `sig`. */
  readonly sig: string;
}

/** True for the reserved merge event type. */
export function isMergeEvent(event: { readonly type: string }): boolean {
  return event.type === MERGE_EVENT_TYPE;
}

/** True for types under the reserved `concord.` prefix (clients may not write them). */
export function isReservedType(type: string): boolean {
  return type.startsWith(RESERVED_TYPE_PREFIX);
}

/** The envelope without its signature (a copy; `meta` is kept). */
export function withoutSignature<D>(
  envelope: UnsignedEnvelope<D> & { sig?: string },
): UnsignedEnvelope<D> {
  const { sig: _sig, ...rest } = envelope;
  return rest;
}
