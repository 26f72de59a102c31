/**
 * The exact limits of envelope v1 (docs/semantics.md §1). `maxDepth` is Concord's own addition: the
 * contract is silent on nesting, and unbounded nesting would let one record overflow the
 * stack of every reducer and serializer that reads it.
 */
export const ENVELOPE_LIMITS = {
  /** Serialized envelope, in bytes (UTF-8). Default 256 KiB; configurable per call. */
  maxBytes: 256 * 1024,
  streamMaxLength: 200,
  typeMaxLength: 100,
  /** In Unicode code points. */
  idempotencyKeyMaxLength: 200,
  regionMaxLength: 32,
  /** Containers nested in `data` or `meta`, the outer object counted: `{}` is 1. */
  maxDepth: 64,
} as const;

export const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
export const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
export const REGION_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Any lower-case RFC 9562 UUID (version nibble 1–8, variant 10xx). */
export const UUID_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** An Ed25519 signature: 64 bytes in unpadded base64url. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;

/** The version nibble of a UUID string. */
export function uuidVersion(id: string): number {
  return Number.parseInt(id.charAt(14), 16);
}
