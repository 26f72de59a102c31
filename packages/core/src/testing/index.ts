export { domainSpec, type DomainSpecOptions, type Expect } from './given.js';
export {
  simulateHistory,
  type SimulatedHistory,
  type SimulationOp,
  type SimulationOptions,
} from './simulateHistory.js';
export { TestEventFactory, type EventSpec } from './TestEventFactory.js';
