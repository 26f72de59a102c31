export { CausalGate, type CausalGateOptions } from './CausalGate.js';
export {
  dependenciesOf,
  DUPLICATE_KINDS,
  type AppliedLookup,
  type Causal,
  type DuplicateEvent,
  type DuplicateKind,
  type GateDecision,
  type GateStats,
  type ParkedEvent,
} from './GateDecision.js';
export { SCHEMA_UPGRADE_DEPENDENCY } from './holds.js';
export {
  candidateOf,
  gatePass,
  type AppliedRef,
  type Candidate,
  type GatePassResult,
  type GateStore,
  type ParkedCandidate,
  type PendingRow,
} from './gatePass.js';
export { MemoryGateStore } from './MemoryGateStore.js';
