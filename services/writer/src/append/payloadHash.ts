import { canonicalJson, sha256Hex, type EventId, type JsonObject } from '@concord/core';

/** What an idempotency key vouches for: the client's request, before any domain enrichment. */
export interface Payload {
  readonly type: string;
  readonly data: JsonObject;
  readonly causedBy?: EventId | undefined;
}

/**
 * SHA-256 (hex) of the canonical JSON of `{type, data, causedBy}` (causedBy omitted when
 * absent). Stored in the envelope as `meta.payloadHash`; a repeated idempotency key with the
 * same hash is a duplicate, with another hash IDEMPOTENCY_KEY_REUSED.
 */
export function payloadHash(payload: Payload): string {
  const value =
    payload.causedBy === undefined
      ? { type: payload.type, data: payload.data }
      : { type: payload.type, data: payload.data, causedBy: payload.causedBy };
  return sha256Hex(canonicalJson(value));
}
