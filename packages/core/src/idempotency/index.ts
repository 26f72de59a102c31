export {
  idempotencyVerdict,
  type IdempotencyVerdict,
  type KeyedRecord,
} from './idempotencyVerdict.js';
