export {
  defineDomain,
  RESOLUTION_POLICIES,
  type ConflictBranch,
  type ConflictContext,
  type ContestedField,
  type DomainCommand,
  type DomainModule,
  type ManualResolution,
  type Reducer,
  type ResolutionPolicy,
  type ResolverHooks,
} from './DomainModule.js';
export { DomainRegistry } from './DomainRegistry.js';
export type { Downcaster, EventSchema, SchemaGap, Upcaster } from './EventSchema.js';
export { authoredReducer, normalizeDomain, withWriteVersions } from './normalizeDomain.js';
export {
  encodeForWrite,
  readVersionOf,
  schemaGapError,
  schemaGapOf,
  upcastEvent,
  writeVersionOf,
} from './upcastEvent.js';
export {
  mergePatchContestedFields,
  mergePatchDomain,
  mergePatchReducer,
  patchOf,
} from './mergePatchDomain.js';
export {
  MERGE_RESOLVER_KEY,
  mergeNeedsUpgrade,
  mergeResolverVersion,
  readsHeldKind,
  resolverFor,
  resolverVersionOf,
} from './resolverVersion.js';
export {
  defineReadModel,
  servedReadModels,
  type ReadModel,
  type ReadModelEntry,
  type SqlWrite,
} from './ReadModel.js';
