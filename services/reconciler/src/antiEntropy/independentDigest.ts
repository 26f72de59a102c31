/**
 * The independent fold of one stream and the check of its stored row against it, for
 * `LocalDigests` (docs/reconciler.md, anti-entropy). Pure: the events and rows come from it.
 */
import {
  bucketOf,
  eventSetSum,
  foldStream,
  stateHash,
  type DomainRegistry,
  type EventId,
  type StreamDigest,
  type StreamId,
  type UnsignedEnvelope,
} from '@concord/core';
import type { StreamSummaryRow } from '@concord/postgres';

/** What is wrong with a stored stream row, checked against the independent fold. */
export const PROJECTION_PROBLEMS = [
  /** Events are stored but the stream has no row. */
  'row-missing',
  /** A row without a single stored event. */
  'row-orphan',
  /** `ids_hash` is not the event-set sum of the stored ids. */
  'ids_hash',
  /** `state_hash` is not the hash of the independently folded state. */
  'state_hash',
  /** The stored state itself differs from the independently folded state. */
  'state',
  'heads',
  'version',
  /** The stored events do not fold (a parent is missing: causal gap). */
  'unfoldable',
] as const;
export type ProjectionProblem = (typeof PROJECTION_PROBLEMS)[number];

/** One stream as this region holds it, from its events (never from its stored row). */
export interface IndependentDigest extends StreamDigest {
  readonly bucket: number;
  readonly heads: readonly EventId[];
  readonly version: number;
}

/** Marks a stream whose stored events do not fold (a causal gap). */
const UNFOLDABLE = 'unfoldable';
/** Marks a fold this code cannot compute (events it cannot interpret): see `unverified`. */
export const UNREADABLE = 'schema-version';

/**
 * A stream's digest from its stored events alone (docs/semantics.md §8): the event-set sum of
 * their ids and the hash of their independent `foldStream`, or a marker when they do not fold.
 */
export function independentDigest(
  registry: DomainRegistry,
  stream: StreamId,
  events: readonly UnsignedEnvelope[],
): IndependentDigest {
  const ids = events.map((e) => e.id);
  const eventSetHash = eventSetSum(ids);
  const bucket = bucketOf(stream);
  if (events.some((e) => registry.schemaGap(e) !== undefined)) {
    return {
      stream,
      bucket,
      eventSetHash,
      stateHash: UNREADABLE,
      eventCount: new Set(ids).size,
      heads: [],
      version: 0,
    };
  }
  try {
    const fold = foldStream(events, registry.forStream(stream).reducer, { stream });
    return {
      stream,
      bucket,
      eventSetHash,
      stateHash: stateHash(fold.state),
      eventCount: new Set(ids).size,
      heads: fold.heads,
      version: fold.version,
    };
  } catch {
    // A causal gap (a stored event whose parent is not stored): no state to speak of. The
    // marker can never equal a real state hash, so the stream differs from every region.
    return {
      stream,
      bucket,
      eventSetHash,
      stateHash: UNFOLDABLE,
      eventCount: new Set(ids).size,
      heads: [],
      version: 0,
    };
  }
}

/** What is wrong with a stored row (`row`, `storedState`) checked against `digest`. */
export function rowProblems(
  row: StreamSummaryRow,
  digest: IndependentDigest | undefined,
  storedState: unknown,
): ProjectionProblem[] {
  if (row.n === null || !digest) return ['row-orphan'];
  if (row.version === null) return ['row-missing'];
  if (digest.stateHash === UNFOLDABLE) return ['unfoldable'];
  // Not checkable by this code (reported in `unverified`).
  if (digest.stateHash === UNREADABLE) return [];
  const problems: ProjectionProblem[] = [];
  if (row.ids_hash !== digest.eventSetHash) problems.push('ids_hash');
  if (row.state_hash !== digest.stateHash) problems.push('state_hash');
  if (storedState !== undefined && stateHash(storedState) !== digest.stateHash)
    problems.push('state');
  if ([...(row.heads ?? [])].sort().join(',') !== digest.heads.join(',')) problems.push('heads');
  if (row.version !== digest.version) problems.push('version');
  return problems;
}
