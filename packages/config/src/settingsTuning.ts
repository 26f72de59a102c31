import { z } from 'zod';

import { int, spec, url } from './settingSchemas.js';

/** Global settings (docs/configuration.md), part of `settings`: limits, clocks, reconciler periods, split-brain thresholds, fault injection, traces and logs. */
export const tuningSettings = {
  maxEventBytes: spec({
    env: 'CONCORD_MAX_EVENT_BYTES',
    schema: int(1024, 16 * 1024 * 1024),
    default: 256 * 1024,
    doc: 'Largest serialized envelope accepted anywhere, in bytes.',
  }),
  maxInflightAppends: spec({
    env: 'CONCORD_MAX_INFLIGHT_APPENDS',
    schema: int(1, 1_000_000),
    default: 1024,
    doc: 'Appends a writer processes at once; beyond it answers 429 BACKPRESSURE.',
  }),
  hlcMaxDriftMs: spec({
    env: 'CONCORD_HLC_MAX_DRIFT_MS',
    schema: int(1, 86_400_000),
    default: 60_000,
    doc: 'How far ahead of local wall time a remote clock may push the hybrid logical clock, in ms.',
  }),
  parkedAlertSeconds: spec({
    env: 'CONCORD_PARKED_ALERT_SECONDS',
    schema: int(1, 86_400),
    default: 60,
    doc: 'An event parked longer than this is reported (metric, status, alert); it is never dropped.',
  }),
  ownerFailoverMs: spec({
    env: 'CONCORD_OWNER_FAILOVER_MS',
    schema: int(100, 86_400_000),
    default: 10_000,
    doc: 'How long a stream’s owner region must be unreachable before the next region resolves its conflicts.',
  }),
  antiEntropyIntervalMs: spec({
    env: 'CONCORD_ANTI_ENTROPY_INTERVAL_MS',
    schema: int(100, 86_400_000),
    default: 5_000,
    doc: 'Period of the reconciler’s cross-region digest comparison, in ms.',
  }),
  reconcilerPollMs: spec({
    env: 'CONCORD_RECONCILER_POLL_MS',
    schema: int(10, 60_000),
    default: 250,
    doc: 'How often the reconciler looks for open conflicts to resolve, in ms.',
  }),
  splitBrainConflictsPerMinute: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICTS_PER_MINUTE',
    schema: int(1, 10_000_000),
    default: 1200,
    doc: 'Split-brain suspicion: conflicts detected in one minute at or above this.',
  }),
  splitBrainConflictSpike: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICT_SPIKE',
    schema: int(1, 1000),
    default: 5,
    doc: 'Split-brain suspicion: the last minute’s conflicts are this many times the previous hour’s average…',
  }),
  splitBrainConflictSpikeFloor: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICT_SPIKE_FLOOR',
    schema: int(1, 10_000_000),
    default: 300,
    doc: '…and at least this many (so a quiet system’s few conflicts never count as a spike).',
  }),
  splitBrainDivergentStreams: spec({
    env: 'CONCORD_SPLIT_BRAIN_DIVERGENT_STREAMS',
    schema: int(1, 10_000_000),
    default: 10,
    doc: 'Split-brain suspicion: streams confirmed divergent at or above this.',
  }),
  splitBrainStallMs: spec({
    env: 'CONCORD_SPLIT_BRAIN_STALL_MS',
    schema: int(1000, 86_400_000),
    default: 30_000,
    doc: 'Split-brain suspicion: two regions each missing the other’s events for this long (a partition with writes on both sides).',
  }),
  clockOffsetMs: spec({
    env: 'CONCORD_CLOCK_OFFSET_MS',
    schema: int(-86_400_000, 86_400_000),
    default: 0,
    doc: 'Fault injection only: shifts this process’s wall clock (for HLC stamps) by this many ms, as a skewed machine clock would (`concord chaos --faults clock`).',
  }),
  tracesExporter: spec({
    env: 'CONCORD_TRACES_EXPORTER',
    schema: z.enum(['none', 'otlp', 'console']),
    default: 'none',
    doc: 'Where OpenTelemetry spans go: nowhere, an OTLP/HTTP collector, or stdout.',
  }),
  otlpEndpoint: spec({
    env: 'CONCORD_OTLP_ENDPOINT',
    schema: url(['http:', 'https:']),
    default: undefined,
    defaultText: 'http://localhost:4318/v1/traces',
    doc: 'OTLP/HTTP traces endpoint when CONCORD_TRACES_EXPORTER=otlp.',
  }),
  logLevel: spec({
    env: 'CONCORD_LOG_LEVEL',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    default: 'info',
    doc: 'Minimum level of the structured (pino) logs.',
  }),
} as const;
