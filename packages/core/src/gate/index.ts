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
