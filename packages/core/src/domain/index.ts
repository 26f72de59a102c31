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
} from './DomainModule.js';
export { DomainRegistry } from './DomainRegistry.js';
export {
  mergePatchContestedFields,
  mergePatchDomain,
  mergePatchReducer,
  patchOf,
} from './mergePatchDomain.js';
