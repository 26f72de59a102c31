export { defaultLoopErrorDelay, runLoop, type Loop, type LoopOptions } from './runLoop.js';
export { backoffDelay, sleep, withRetry, type RetryOptions } from './withRetry.js';
