import { isMergeEvent, type UnsignedEnvelope } from '../envelope/Envelope.js';
import { isSchemaVersion } from '../envelope/schemaVersion.js';
import type { DomainModule } from './DomainModule.js';
import { readVersionOf } from './upcastEvent.js';

/**
 * The key of a merge's `data` that records the resolver version that computed it
 * (docs/decisions/0007-merge-validation.md). Absent means version 1, so every merge written
 * before resolver versions existed reads as version 1; version 1 is never written as a key.
 */
export const MERGE_RESOLVER_KEY = 'resolver';

/** The resolver version a module computes merges with (`resolverVersion`, default 1). */
export function resolverVersionOf(module: Pick<DomainModule, 'resolverVersion'>): number {
  return module.resolverVersion ?? 1;
}

/**
 * The resolver version a merge records: 1 when `data.resolver` is absent, the value when it
 * is an integer from 2 to 1,000,000, `undefined` when it is anything else (an explicit 1
 * included: one version, one encoding) — a malformed merge, which validation refuses.
 */
export function mergeResolverVersion(merge: Pick<UnsignedEnvelope, 'data'>): number | undefined {
  if (!Object.hasOwn(merge.data, MERGE_RESOLVER_KEY)) return 1;
  const value = merge.data[MERGE_RESOLVER_KEY];
  return isSchemaVersion(value) && value > 1 ? value : undefined;
}

/**
 * The module as it resolved conflicts at resolver `version`: itself for its own version, its
 * reducer with the hooks of `previousResolvers[version]` for an earlier one it still judges,
 * `undefined` for a version this code cannot judge (newer, or dropped).
 */
export function resolverFor<S>(
  module: DomainModule<S>,
  version: number,
): DomainModule<S> | undefined {
  if (version === resolverVersionOf(module)) return module;
  if (version > resolverVersionOf(module)) return undefined;
  const hooks = module.previousResolvers?.[version];
  if (hooks === undefined) return undefined;
  const { resolve, contestedFields, manualMerge } = hooks;
  return {
    category: module.category,
    reducer: module.reducer,
    ...(module.events === undefined ? {} : { events: module.events }),
    policy: hooks.policy,
    resolverVersion: version,
    ...(resolve === undefined ? {} : { resolve }),
    ...(contestedFields === undefined ? {} : { contestedFields }),
    ...(manualMerge === undefined ? {} : { manualMerge }),
  };
}

/**
 * True for a merge whose resolver version this module cannot judge: the mirror holds it like
 * an event of an unknown schema version, never applies it on trust. A malformed version is not
 * a hold (validation refuses it).
 */
export function mergeNeedsUpgrade(
  module: DomainModule,
  event: Pick<UnsignedEnvelope, 'type'> & { readonly data?: unknown },
): boolean {
  if (!isMergeEvent(event) || typeof event.data !== 'object' || event.data === null) return false;
  const version = mergeResolverVersion(event as Pick<UnsignedEnvelope, 'data'>);
  return version !== undefined && resolverFor(module, version) === undefined;
}

/**
 * True when this module can now take a held kind of event (after an upgrade): for merges, a
 * resolver version it judges; for other types, a schema version it reads.
 */
export function readsHeldKind(module: DomainModule, type: string, version: number): boolean {
  if (isMergeEvent({ type })) return resolverFor(module, version) !== undefined;
  const reads = readVersionOf(module, type);
  return reads !== undefined && version <= reads;
}
