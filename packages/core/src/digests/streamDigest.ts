import type { EventId, StreamId } from '../envelope/Envelope.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../json/canonicalJson.js';
import { sha256Hex } from '../hash/sha256.js';

/** Number of digest buckets: a stream's bucket is the first byte of SHA-256(stream id). */
export const DIGEST_BUCKETS = 256;

/** The convergence digest of one stream in one region (DESIGN §6). */
export interface StreamDigest {
  readonly stream: StreamId;
  /** SHA-256 over the sorted applied event ids (see {@link eventSetHash}). */
  readonly eventSetHash: string;
  /** SHA-256 of the canonical JSON of the folded state (see {@link stateHash}). */
  readonly stateHash: string;
  readonly eventCount: number;
}

/**
 * SHA-256 (hex) of the event-id set: the distinct ids sorted, each followed by `\n`. Equal
 * hashes ⇔ equal sets (up to SHA-256 collisions), whatever the arrival order.
 */
export function eventSetHash(ids: Iterable<EventId>): string {
  const hash = createHash('sha256');
  for (const id of [...new Set(ids)].sort()) hash.update(`${id}\n`);
  return hash.digest('hex');
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a state. */
export function stateHash(state: unknown): string {
  return sha256Hex(canonicalJson(state));
}

/** The digest bucket (0–255) of a stream. */
export function bucketOf(stream: StreamId): number {
  return createHash('sha256').update(stream).digest()[0] as number;
}

/** The digest of a stream from its applied ids and its (independently recomputed) state. */
export function streamDigest(
  stream: StreamId,
  ids: Iterable<EventId>,
  state: unknown,
): StreamDigest {
  const unique = new Set(ids);
  return {
    stream,
    eventSetHash: eventSetHash(unique),
    stateHash: stateHash(state),
    eventCount: unique.size,
  };
}
