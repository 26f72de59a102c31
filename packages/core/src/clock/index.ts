export { compareHlc, formatHlc, hlcSuccessor, maxHlc, type Hlc } from './Hlc.js';
export {
  HybridLogicalClock,
  isAfterAll,
  type HybridLogicalClockOptions,
} from './HybridLogicalClock.js';
