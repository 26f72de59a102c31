/**
 * @concord/core — the pure decision logic of Concord. No IO: no network, no files, no
 * processes, no telemetry SDKs (a lint rule enforces it).
 */
export * from './errors/index.js';
export * from './retry/index.js';
export * from './json/index.js';
export * from './hash/index.js';
export * from './envelope/index.js';
export * from './clock/index.js';
export * from './gate/index.js';
export * from './fold/index.js';
export * from './domain/index.js';
export * from './conflicts/index.js';
export * from './digests/index.js';
export * from './session/index.js';
export * from './stats/index.js';
export * from './idempotency/index.js';
export * from './source/index.js';
export * from './testing/index.js';
