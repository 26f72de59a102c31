/**
 * @concord/core — the pure decision logic of Concord. No IO: no network, no files, no
 * processes, no telemetry SDKs (a lint rule enforces it).
 */
export * from './errors/index.js';
export * from './retry/index.js';
