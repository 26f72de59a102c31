import {
  ConcordError,
  derivedMergeId,
  isJsonObject,
  MERGE_EVENT_TYPE,
  parseUnsignedEnvelope,
  type UnsignedEnvelope,
} from '@concord/core';

/**
 * A reconciler's merge as the writer accepts it (docs/writer.md §6): a `concord.merge`
 * envelope (its signature, if any, is dropped: this region signs it) whose id is derived from
 * its stream, parents and resolver version (and data, for a manual merge). The mirrors judge
 * the rest (docs/decisions/0007-merge-validation.md).
 *
 * @throws ConcordError VALIDATION_FAILED / ENVELOPE_INVALID / ENVELOPE_TOO_LARGE
 */
export function checkMerge(merge: unknown, maxEventBytes: number): UnsignedEnvelope {
  if (!isJsonObject(merge) || merge.type !== MERGE_EVENT_TYPE) {
    throw new ConcordError('VALIDATION_FAILED', `only ${MERGE_EVENT_TYPE} events go here`, {
      details: { field: 'merge.type' },
    });
  }
  const { sig: _sig, ...withoutSig } = merge;
  const unsigned = parseUnsignedEnvelope(withoutSig, { maxBytes: maxEventBytes });
  const expected = derivedMergeId(unsigned);
  if (unsigned.id !== expected) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      'a merge id must be derived from its stream, parents and resolver version (and data, for a manual merge)',
      { details: { field: 'merge.id', expected: expected ?? null } },
    );
  }
  return unsigned;
}
