import { canonicalJson } from '../json/canonicalJson.js';
import type { JsonObject } from '../json/JsonValue.js';
import {
  isMergeEvent,
  type EventId,
  type RegionId,
  type UnsignedEnvelope,
} from '../envelope/Envelope.js';
import { isEventId, mergeDataHash, mergeEventId } from '../envelope/ids.js';
import { isJsonObject } from '../json/JsonValue.js';
import {
  RESOLUTION_POLICIES,
  type DomainModule,
  type ManualResolution,
} from '../domain/DomainModule.js';
import { mergeResolverVersion, resolverFor } from '../domain/resolverVersion.js';
import { causalPast } from './analyzeConflict.js';
import { buildManualMerge, buildMerge } from './buildMerge.js';

/**
 * Why a merge is refused (the DLQ's `MERGE_INVALID` detail, docs/mirror.md). Stable: add new
 * ones, never rename.
 */
export const MERGE_INVALID_DETAILS = {
  /** Not a `concord.merge`. */
  notAMerge: 'not-a-merge',
  /** `data.resolver` is present but not an integer from 2 to 1,000,000. */
  resolverVersion: 'resolver-version',
  /** Fewer than two parents, or a parent that is not an applied event of the stream. */
  parents: 'parents',
  /** A parent is in the causal past of another: the parents are not heads it collapses. */
  parentsNotHeads: 'parents-not-heads',
  /** `data.policy` is not the category's policy (at the merge's resolver version). */
  policy: 'policy',
  /** A manual merge without a valid `resolution` (`{choose: head}` or `{patch: object}`). */
  resolution: 'resolution',
  /** The resolver throws on this conflict: no merge of it can be right. */
  resolverFailed: 'resolver-failed',
  /** `data` differs from what the resolver computes from the stream's causal past. */
  content: 'content',
  /** The id is not `mergeEventId(stream, parents[, dataHash], resolver)`. */
  id: 'id',
  /** The origin is not the stream's owner region (docs/semantics.md §5). */
  origin: 'origin',
  /** The hlc is not the successor of the greatest parent hlc. */
  hlc: 'hlc',
} as const;
export type MergeInvalidDetail = (typeof MERGE_INVALID_DETAILS)[keyof typeof MERGE_INVALID_DETAILS];

/** What a region may do with a merge whose dependencies are applied. */
export type MergeVerdict =
  | { readonly kind: 'valid' }
  /** This code does not judge the merge's resolver version: hold it until upgraded. */
  | { readonly kind: 'hold'; readonly resolver: number }
  | {
      readonly kind: 'invalid';
      readonly detail: MergeInvalidDetail;
      /** Dotted path of the offending envelope field. */
      readonly field: string;
      readonly message: string;
    };

export interface ValidateMergeInput<S> {
  readonly merge: UnsignedEnvelope;
  /**
   * The applied events of the merge's stream, in any order: at least the merge's causal past
   * (more is fine — what was applied since, concurrently with the merge, is ignored).
   */
  readonly events: readonly UnsignedEnvelope[];
  /** The category's module, as this region runs it. */
  readonly module: DomainModule<S>;
  /** Every region of the deployment (the ownership rule). */
  readonly regions: readonly RegionId[];
}

function invalid(detail: MergeInvalidDetail, field: string, message: string): MergeVerdict {
  return { kind: 'invalid', detail, field, message };
}

function manualResolutionOf(data: JsonObject): ManualResolution | undefined {
  const resolution = data['resolution'];
  if (!isJsonObject(resolution) || Object.keys(resolution).length !== 1) return undefined;
  if (isEventId(resolution['choose'])) return { choose: resolution['choose'] };
  if (isJsonObject(resolution['patch'])) return { patch: resolution['patch'] };
  return undefined;
}

/**
 * Judges a `concord.merge` against the stream's causal past, purely (docs/decisions/0007):
 * every region that judges it reaches the same verdict, because everything read is a function
 * of the merge and of its parents' causal past. Valid means it is exactly the merge the
 * category's resolver (at the version the merge records) computes for the conflict between its
 * parents: parents that are heads of that past (two or more, none an ancestor of another);
 * `data` equal, in canonical JSON, to the resolver's (for `manual`, the operator's
 * `resolution` replayed through the domain's `manualMerge`); the id derived from the stream,
 * the parents (the data's hash for `manual`) and the resolver version; the owner region as
 * origin; the successor of the greatest parent hlc. `meta` is not judged (copies of one merge
 * emitted by different regions differ only there, and the fold never reads it).
 *
 * `hold` when this code does not judge the merge's resolver version: never applied on trust.
 */
export function validateMerge<S>(input: ValidateMergeInput<S>): MergeVerdict {
  const { merge, regions } = input;
  if (!isMergeEvent(merge)) {
    return invalid(MERGE_INVALID_DETAILS.notAMerge, 'type', `${merge.id} is not a merge`);
  }
  const version = mergeResolverVersion(merge);
  if (version === undefined) {
    return invalid(
      MERGE_INVALID_DETAILS.resolverVersion,
      'data.resolver',
      `merge ${merge.id}: data.resolver must be absent (version 1) or an integer ≥ 2`,
    );
  }
  const module = resolverFor(input.module, version);
  if (module === undefined) return { kind: 'hold', resolver: version };

  const byId = new Map<EventId, UnsignedEnvelope>();
  for (const event of input.events) if (event.stream === merge.stream) byId.set(event.id, event);
  const parents = [...new Set(merge.parents)];
  if (parents.length < 2 || parents.length !== merge.parents.length) {
    return invalid(
      MERGE_INVALID_DETAILS.parents,
      'parents',
      `merge ${merge.id} must collapse two or more distinct heads`,
    );
  }
  const unknown = parents.find((parent) => !byId.has(parent));
  if (unknown !== undefined) {
    return invalid(
      MERGE_INVALID_DETAILS.parents,
      'parents',
      `parent ${unknown} of merge ${merge.id} is not an applied event of ${merge.stream}`,
    );
  }
  const past = new Set<EventId>();
  for (const parent of parents) {
    const ancestors = causalPast(parent, byId);
    const inner = parents.find((other) => other !== parent && ancestors.has(other));
    if (inner !== undefined) {
      return invalid(
        MERGE_INVALID_DETAILS.parentsNotHeads,
        'parents',
        `parent ${inner} of merge ${merge.id} is an ancestor of its parent ${parent}`,
      );
    }
    for (const id of ancestors) past.add(id);
  }
  if (merge.data['policy'] !== module.policy) {
    return invalid(
      MERGE_INVALID_DETAILS.policy,
      'data.policy',
      `merge ${merge.id} says policy ${String(merge.data['policy'])}; ${merge.stream} resolves by ${module.policy} (resolver ${version})`,
    );
  }
  const events = input.events.filter((event) => past.has(event.id));
  let expected: UnsignedEnvelope;
  try {
    if (module.policy === RESOLUTION_POLICIES.manual) {
      const resolution = manualResolutionOf(merge.data);
      if (resolution === undefined) {
        return invalid(
          MERGE_INVALID_DETAILS.resolution,
          'data.resolution',
          `manual merge ${merge.id} carries no {choose: head} or {patch: object} resolution`,
        );
      }
      if ('choose' in resolution && !parents.includes(resolution.choose)) {
        return invalid(
          MERGE_INVALID_DETAILS.resolution,
          'data.resolution.choose',
          `manual merge ${merge.id} chooses ${resolution.choose}, which is not one of its parents`,
        );
      }
      expected = buildManualMerge({ events, module, regions, resolution }).merge;
    } else {
      expected = buildMerge({ events, module, regions }).merge;
    }
  } catch (error) {
    return invalid(
      MERGE_INVALID_DETAILS.resolverFailed,
      'data',
      `the resolver of ${merge.stream} (version ${version}) fails on merge ${merge.id}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (canonicalJson(merge.data) !== canonicalJson(expected.data)) {
    return invalid(
      MERGE_INVALID_DETAILS.content,
      'data',
      `merge ${merge.id} does not carry what the resolver computes from its parents' causal past`,
    );
  }
  const derived =
    module.policy === RESOLUTION_POLICIES.manual
      ? mergeEventId(merge.stream, parents, mergeDataHash(merge.data), version)
      : mergeEventId(merge.stream, parents, undefined, version);
  if (merge.id !== derived || merge.id !== expected.id) {
    return invalid(
      MERGE_INVALID_DETAILS.id,
      'id',
      `merge ${merge.id} of ${merge.stream} should have id ${derived}`,
    );
  }
  if (merge.parents.join() !== expected.parents.join()) {
    return invalid(
      MERGE_INVALID_DETAILS.parents,
      'parents',
      `merge ${merge.id}: parents must be sorted (${expected.parents.join(', ')})`,
    );
  }
  if (merge.origin !== expected.origin) {
    return invalid(
      MERGE_INVALID_DETAILS.origin,
      'origin',
      `merge ${merge.id} has origin ${merge.origin}; the owner of ${merge.stream} is ${expected.origin}`,
    );
  }
  if (merge.hlc.wall !== expected.hlc.wall || merge.hlc.logical !== expected.hlc.logical) {
    return invalid(
      MERGE_INVALID_DETAILS.hlc,
      'hlc',
      `merge ${merge.id} has hlc ${merge.hlc.wall}.${merge.hlc.logical}; the successor of its parents' is ${expected.hlc.wall}.${expected.hlc.logical}`,
    );
  }
  return { kind: 'valid' };
}

/**
 * The id a merge must have, from its own fields: `mergeEventId(stream, parents, dataHash for
 * policy manual, resolver version)`; `undefined` when its resolver version is malformed. The
 * writer's early check; the mirror judges the rest ({@link validateMerge}).
 */
export function derivedMergeId(
  merge: Pick<UnsignedEnvelope, 'stream' | 'parents' | 'data'>,
): EventId | undefined {
  const version = mergeResolverVersion(merge);
  if (version === undefined) return undefined;
  return merge.data['policy'] === RESOLUTION_POLICIES.manual
    ? mergeEventId(merge.stream, merge.parents, mergeDataHash(merge.data), version)
    : mergeEventId(merge.stream, merge.parents, undefined, version);
}
