import { createHash } from 'node:crypto';
import type { EventId, StreamId } from '../envelope/Envelope.js';
import { stateHash, bucketOf, type StreamDigest } from './streamDigest.js';
import type { BucketRollup } from './diffDigests.js';

/**
 * Incremental, order-independent digests (docs/semantics.md, "Incremental digests").
 *
 * An additive multiset hash (AdHash over SHA-256): the digest of a collection of items is the
 * sum, modulo 2^256, of the SHA-256 of each item, written as 64 lower-case hex digits. It
 * depends only on the multiset of items, and adding or removing one item costs one hash and one
 * addition, so a projection can keep the digest of a long stream up to date per batch without
 * reading the stream back. Accidental collisions are as unlikely as for SHA-256 itself; it is
 * not meant to resist someone who chooses the items to forge a collision (only a region's
 * signing key can mint event ids, and such a signer can do worse).
 */
const MODULUS = 1n << 256n;

/** The digest of the empty collection. */
export const EMPTY_SET_SUM = '0'.repeat(64);

function itemHash(item: string): bigint {
  return BigInt(`0x${createHash('sha256').update(item, 'utf8').digest('hex')}`);
}

function toHex(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

function fromHex(sum: string): bigint {
  if (!/^[0-9a-f]{64}$/.test(sum)) {
    throw new RangeError(`not a 64-digit lower-case hex set sum: ${JSON.stringify(sum)}`);
  }
  return BigInt(`0x${sum}`);
}

/** Σ SHA-256(item) mod 2^256 over a multiset of items (repeats count every time). */
export function sumOfHashes(items: Iterable<string>): string {
  let total = 0n;
  for (const item of items) total += itemHash(item);
  return toHex(total % MODULUS);
}

/** `sum` with the hashes of `add` added and those of `remove` subtracted (mod 2^256). */
export function adjustSum(
  sum: string,
  add: Iterable<string> = [],
  remove: Iterable<string> = [],
): string {
  let total = fromHex(sum);
  for (const item of add) total += itemHash(item);
  for (const item of remove) total -= itemHash(item);
  return toHex(((total % MODULUS) + MODULUS) % MODULUS);
}

/**
 * The incremental event-set digest of a stream: Σ SHA-256(id) mod 2^256 over the DISTINCT
 * ids. What `projection.streams.ids_hash` holds. Equal sets ⇔ equal sums (up to collisions),
 * whatever the order of arrival.
 */
export function eventSetSum(ids: Iterable<EventId>): string {
  return sumOfHashes(new Set(ids));
}

/**
 * The event-set digest after adding `ids` to the set whose digest is `sum`. The caller
 * guarantees that none of `ids` is in the set already (an id added twice would count twice);
 * repeats within `ids` are ignored.
 */
export function addToEventSetSum(sum: string, ids: Iterable<EventId>): string {
  return adjustSum(sum, new Set(ids));
}

/** The line a stream contributes to its bucket's digest: `stream \n eventSetHash \n stateHash \n`. */
export function digestLine(
  digest: Pick<StreamDigest, 'stream' | 'eventSetHash' | 'stateHash'>,
): string {
  return `${digest.stream}\n${digest.eventSetHash}\n${digest.stateHash}\n`;
}

/**
 * The digest of a stream as the projection stores it: `eventSetHash` is {@link eventSetSum}
 * of its applied ids, `stateHash` the SHA-256 of the canonical JSON of its state. To check a
 * projection, pass ids read from its events table and a state recomputed by `foldStream`.
 */
export function projectionStreamDigest(
  stream: StreamId,
  ids: Iterable<EventId>,
  state: unknown,
): StreamDigest {
  const unique = new Set(ids);
  return {
    stream,
    eventSetHash: eventSetSum(unique),
    stateHash: stateHash(state),
    eventCount: unique.size,
  };
}

/**
 * Bucket roll-ups as the projection stores them (`projection.digest_buckets.hash`): per
 * non-empty bucket, the {@link sumOfHashes} of the {@link digestLine} of each of its streams.
 * Order-independent, so a batch updates a bucket with {@link adjustSum} (remove the stream's
 * old line, add its new one) without reading the bucket's other streams.
 */
export function rollUpDigestSums(digests: Iterable<StreamDigest>): BucketRollup {
  const lines = new Map<number, string[]>();
  for (const digest of digests) {
    const bucket = bucketOf(digest.stream);
    const list = lines.get(bucket);
    if (list) list.push(digestLine(digest));
    else lines.set(bucket, [digestLine(digest)]);
  }
  const rollup: Record<number, string> = {};
  for (const [bucket, list] of [...lines].sort((a, b) => a[0] - b[0])) {
    rollup[bucket] = sumOfHashes(list);
  }
  return rollup;
}
