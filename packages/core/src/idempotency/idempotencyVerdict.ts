/**
 * An earlier event a repeated idempotency key may be answered with, and the payload hash it
 * vouches for (`meta.payloadHash`: SHA-256 of the client's `{type, data, causedBy}`).
 */
export interface KeyedRecord<E> {
  readonly payloadHash: string;
  readonly event: E;
}

/**
 * What a request with an idempotency key gets (docs/writer.md §4): `new` when no earlier event
 * carries the key, `duplicate` (200 with that event) when the earlier one has the same payload
 * hash, `reused` (422 `IDEMPOTENCY_KEY_REUSED`) when it has another.
 */
export type IdempotencyVerdict<E> =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly event: E }
  | { readonly kind: 'reused'; readonly event: E };

/**
 * The verdict for a request whose payload hashes to `payloadHash`, given the earlier events
 * with its key in order of authority — for the writer: the projection's first event in fold
 * order (the truth: the fold lets only the first of a key take effect), then this process's
 * own unprojected event, then the Redis record. Only the first known one counts: a later
 * source is never consulted, even when it disagrees (it cannot be more right than the truth).
 */
export function idempotencyVerdict<E>(
  payloadHash: string,
  earlier: readonly (KeyedRecord<E> | undefined)[],
): IdempotencyVerdict<E> {
  const first = earlier.find((record) => record !== undefined);
  if (first === undefined) return { kind: 'new' };
  return first.payloadHash === payloadHash
    ? { kind: 'duplicate', event: first.event }
    : { kind: 'reused', event: first.event };
}
