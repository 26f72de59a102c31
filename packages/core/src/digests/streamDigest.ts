import type { StreamId } from '../envelope/Envelope.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../json/canonicalJson.js';
import { sha256Hex } from '../hash/sha256.js';

/** Number of digest buckets: a stream's bucket is the first byte of SHA-256(stream id). */
export const DIGEST_BUCKETS = 256;

/** The convergence digest of one stream in one region (docs/reconciler.md §4). */
export interface StreamDigest {
  readonly stream: StreamId;
  /**
   * The set sum of the applied event ids (`eventSetSum`: order-independent, updated
   * incrementally; docs/semantics.md §8).
   */
  readonly eventSetHash: string;
  /** SHA-256 of the canonical JSON of the folded state (see {@link stateHash}). */
  readonly stateHash: string;
  readonly eventCount: number;
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a state. */
export function stateHash(state: unknown): string {
  return sha256Hex(canonicalJson(state));
}

/** The digest bucket (0–255) of a stream. */
export function bucketOf(stream: StreamId): number {
  return createHash('sha256').update(stream).digest()[0] as number;
}
