import { hlcSuccessor, maxHlc, type Hlc } from '../clock/Hlc.js';
import {
  MERGE_EVENT_TYPE,
  type EventId,
  type RegionId,
  type UnsignedEnvelope,
} from '../envelope/Envelope.js';
import { mergeDataHash, mergeEventId } from '../envelope/ids.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { JsonObject } from '../json/JsonValue.js';
import {
  RESOLUTION_POLICIES,
  type ConflictContext,
  type DomainModule,
  type ManualResolution,
} from '../domain/DomainModule.js';
import { MERGE_RESOLVER_KEY, resolverVersionOf } from '../domain/resolverVersion.js';
import { analyzeConflict, type StreamInput } from './analyzeConflict.js';
import type { Conflict } from './Conflict.js';
import { ownerRegion } from './ownership.js';

export type BuildMergeInput<S> = StreamInput<S> & {
  readonly module: DomainModule<S>;
  /** Every region of the deployment (the ownership rule picks the merge's origin among them). */
  readonly regions: readonly RegionId[];
};

/** A merge and the conflict it resolves. */
export interface MergeProposal {
  readonly conflict: Conflict;
  /** Unsigned: the emitting reconciler signs it (as itself; `origin` stays the owner). */
  readonly merge: UnsignedEnvelope;
}

/** `data` with the resolver version of `module` (no key for version 1). */
function withResolver<S>(module: DomainModule<S>, data: JsonObject): JsonObject {
  const version = resolverVersionOf(module);
  return version === 1 ? data : { ...data, [MERGE_RESOLVER_KEY]: version };
}

function mergeEnvelope<S>(
  context: ConflictContext<S>,
  regions: readonly RegionId[],
  data: JsonObject,
  id: EventId,
): UnsignedEnvelope {
  const byId = new Map(context.fold.order.map((event) => [event.id, event] as const));
  const parentHlcs = context.heads
    .map((head) => byId.get(head)?.hlc)
    .filter((h): h is Hlc => h !== undefined);
  return {
    v: 1,
    id,
    stream: context.stream,
    type: MERGE_EVENT_TYPE,
    data,
    origin: ownerRegion(context.stream, regions),
    hlc: hlcSuccessor(maxHlc(parentHlcs) as Hlc),
    parents: [...context.heads],
    meta: {},
  };
}

function open<S>(input: BuildMergeInput<S>) {
  const analysis = analyzeConflict(input as StreamInput<S>, input.module);
  if (!analysis) {
    throw new ConcordError('CONFLICT_NOT_OPEN', 'the stream has a single head: nothing to merge');
  }
  return analysis;
}

/**
 * The `concord.merge` of a stream's open conflict under its domain's policy (docs/semantics.md §5):
 * - id: UUIDv5 of the stream and the sorted heads; parents: the heads;
 * - origin: the owner region by the ownership rule (not the emitter);
 * - hlc: the successor of the greatest parent hlc;
 * - data: `lww` → `{ policy, conflictId, winners }`; `custom` → the resolver's object plus
 *   `policy` and `conflictId`; from resolver version 2 also `resolver` (the version, which the
 *   id then names too — docs/decisions/0007-merge-validation.md).
 * All of it is a pure function of the stream's causal past, so every region builds the same
 * event.
 *
 * @throws ConcordError CONFLICT_NOT_OPEN (one head), VALIDATION_FAILED with `details.reason: 'manual-resolution-required'` (policy
 * `manual`: see {@link buildManualMerge}), VALIDATION_FAILED (`custom` without `resolve`).
 */
export function buildMerge<S>(input: BuildMergeInput<S>): MergeProposal {
  const { conflict, context } = open(input);
  let data: JsonObject;
  switch (input.module.policy) {
    case RESOLUTION_POLICIES.lww:
      data = { policy: 'lww', conflictId: conflict.id, winners: { ...conflict.winners } };
      break;
    case RESOLUTION_POLICIES.custom: {
      if (!input.module.resolve) {
        throw new ConcordError(
          'VALIDATION_FAILED',
          `domain ${input.module.category} has policy custom but no resolve()`,
          {
            details: { field: 'resolve', category: input.module.category },
          },
        );
      }
      data = { ...input.module.resolve(context), policy: 'custom', conflictId: conflict.id };
      break;
    }
    default:
      throw new ConcordError('VALIDATION_FAILED', `conflict ${conflict.id} waits for an operator`, {
        details: {
          reason: 'manual-resolution-required',
          conflictId: conflict.id,
          stream: conflict.stream,
        },
      });
  }
  const version = resolverVersionOf(input.module);
  return {
    conflict,
    merge: mergeEnvelope(
      context,
      input.regions,
      withResolver(input.module, data),
      mergeEventId(conflict.stream, conflict.heads, undefined, version),
    ),
  };
}

/**
 * An operator's merge: keep the state of one branch (`{ choose: head }`) or apply a patch
 * (`{ patch }`). The data is the domain's `manualMerge` output (default `{}`) plus the
 * `resolution`, `policy: 'manual'` and `conflictId` (and `resolver` from version 2). Its id also hashes the data, so two different manual
 * resolutions of the same heads are two distinct merges: both apply, they form a new conflict,
 * and the fold orders them deterministically until someone resolves that one.
 *
 * @throws ConcordError CONFLICT_NOT_OPEN; VALIDATION_FAILED when `choose` is not a head.
 */
export function buildManualMerge<S>(
  input: BuildMergeInput<S> & { readonly resolution: ManualResolution },
): MergeProposal {
  const { conflict, context } = open(input);
  const { resolution } = input;
  if ('choose' in resolution && !conflict.heads.includes(resolution.choose)) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `${resolution.choose} is not a head of the conflict`,
      {
        details: { field: 'choose', heads: [...conflict.heads] },
      },
    );
  }
  const given: JsonObject =
    'choose' in resolution ? { choose: resolution.choose } : { patch: resolution.patch };
  const fromDomain = input.module.manualMerge?.(context, resolution) ?? {};
  // `resolution` always travels in the data: every mirror recomputes the merge from it.
  const data: JsonObject = withResolver(input.module, {
    ...fromDomain,
    resolution: given,
    policy: 'manual',
    conflictId: conflict.id,
  });
  const version = resolverVersionOf(input.module);
  const id = mergeEventId(conflict.stream, conflict.heads, mergeDataHash(data), version);
  return { conflict, merge: mergeEnvelope(context, input.regions, data, id) };
}
