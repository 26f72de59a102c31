import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { canonicalJson } from '../json/canonicalJson.js';
import { sha256Hex } from '../hash/sha256.js';
import type { EventId, StreamId } from './Envelope.js';
import { UUID_PATTERN, uuidVersion } from './limits.js';

/**
 * The UUIDv5 namespace of every deterministic Concord id. Fixed forever: changing it would
 * change every merge and conflict id.
 */
export const CONCORD_NAMESPACE = '3c0a6c3e-6f1e-5b7a-9d52-2f0e1c8a4b17';

export interface NewEventIdOptions {
  /** Timestamp to embed (ms). Default: now. */
  msecs?: number;
  /** 16 random bytes, for reproducible ids in tests and simulations. */
  random?: Uint8Array;
}

/** A fresh UUIDv7: time-ordered, minted by the writer; the one dedupe key everywhere. */
export function newEventId(options: NewEventIdOptions = {}): EventId {
  if (options.msecs === undefined && options.random === undefined) return uuidv7();
  return uuidv7({
    ...(options.msecs === undefined ? {} : { msecs: options.msecs }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
}

/**
 * A UUIDv5 derived from `parts` (named by their canonical JSON array, so no two different part
 * lists share a name). Every region derives the same id from the same parts.
 */
export function deterministicId(...parts: readonly (string | readonly string[])[]): EventId {
  return uuidv5(canonicalJson(parts), CONCORD_NAMESPACE);
}

/**
 * The id of the merge of `parents` in `stream` (docs/semantics.md §5): UUIDv5 of the stream and the sorted
 * parents, so two reconcilers emitting the same merge emit the same event. A manual merge also
 * passes `dataHash` (see {@link mergeDataHash}): two different operator resolutions are two
 * distinct events. A merge computed by resolver version 2 or later (`data.resolver`, see
 * docs/decisions/0007-merge-validation.md) also names that version, so two releases whose
 * resolvers disagree emit two distinct events, never one id with two contents; version 1 keeps
 * the derivation every merge had before resolver versions existed.
 */
export function mergeEventId(
  stream: StreamId,
  parents: readonly EventId[],
  dataHash?: string,
  resolverVersion = 1,
): EventId {
  const sorted = [...new Set(parents)].sort();
  const parts: (string | readonly string[])[] = ['concord.merge', stream, sorted];
  if (dataHash !== undefined) parts.push(dataHash);
  if (resolverVersion !== 1) parts.push('resolver', String(resolverVersion));
  return deterministicId(...parts);
}

/** SHA-256 (hex) of the canonical JSON of a merge's data, for manual merge ids. */
export function mergeDataHash(data: unknown): string {
  return sha256Hex(canonicalJson(data));
}

/** The id of the open conflict of `stream` between `heads`: UUIDv5 of stream + sorted heads. */
export function conflictId(stream: StreamId, heads: readonly EventId[]): string {
  return deterministicId('concord.conflict', stream, [...new Set(heads)].sort());
}

/** True for a lower-case RFC 9562 UUID string. */
export function isEventId(value: unknown): value is EventId {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** True for a lower-case UUIDv7. */
export function isUuidV7(value: string): boolean {
  return UUID_PATTERN.test(value) && uuidVersion(value) === 7;
}
