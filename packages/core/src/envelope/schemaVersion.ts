import { isMergeEvent, type EnvelopeMeta } from './Envelope.js';

/**
 * The key of `meta` that carries the schema version of an event's `data` (docs/decisions/0005).
 * Absent means version 1, so every envelope written before schema evolution existed is valid
 * and reads as version 1.
 */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

/** Largest schema version an envelope may carry (a sane bound; versions count releases). */
export const MAX_SCHEMA_VERSION = 1_000_000;

/** True for an integer in 1 … {@link MAX_SCHEMA_VERSION}. */
export function isSchemaVersion(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_SCHEMA_VERSION
  );
}

/**
 * The schema version of an event's `data`: `meta.schemaVersion`, 1 when absent. The version is
 * decoding input, not state: it tells the fold how to read `data` (which upcasters to run),
 * and it is covered by the signature like the rest of `meta`.
 *
 * A `concord.merge` is always version 1: its format is Concord's own, and copies of one merge
 * may differ in `meta` (who emitted it), so nothing the fold reads may come from a merge's
 * `meta`. A value that is not a valid version (the envelope schema refuses those) reads as 1.
 */
export function schemaVersionOf(event: {
  readonly type: string;
  readonly meta: EnvelopeMeta;
}): number {
  if (isMergeEvent(event)) return 1;
  const version = event.meta[SCHEMA_VERSION_KEY];
  return isSchemaVersion(version) ? version : 1;
}

/**
 * `meta` for writing an event at `version`: version 1 is written as no key at all, so v1
 * events stay byte-for-byte what they were before schema versions existed.
 */
export function withSchemaVersion(meta: EnvelopeMeta, version: number): EnvelopeMeta {
  const { [SCHEMA_VERSION_KEY]: _previous, ...rest } = meta;
  return version === 1 ? rest : { ...rest, [SCHEMA_VERSION_KEY]: version };
}
