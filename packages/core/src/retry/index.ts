export { backoffDelay, sleep, withRetry, type RetryOptions } from './withRetry.js';
