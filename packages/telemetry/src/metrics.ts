import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, from 1 ms to 60 s. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * The Prometheus metrics of docs/operations.md, Observability (their names are part of the contract) plus a few
 * operational ones. Every series carries the `region` and `service` of the process as default
 * labels, so `concord_replication_lag_seconds{region,origin}` needs only `origin` here.
 */
export function createMetrics(defaults: { region: string; service: string }) {
  const registry = new Registry();
  registry.setDefaultLabels(defaults);
  collectDefaultMetrics({ register: registry, prefix: 'concord_process_' });
  const r = [registry];
  return {
    registry,
    eventsAppended: new Counter({
      name: 'concord_events_appended_total',
      help: 'Events acknowledged by this region’s Kafka after a write (201).',
      registers: r,
    }),
    appendDuration: new Histogram({
      name: 'concord_append_duration_seconds',
      help: 'Time from request to Kafka ack (or failure) of one append.',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    eventsApplied: new Counter({
      name: 'concord_events_applied_total',
      help: 'Events applied to this region’s projection, by origin region.',
      labelNames: ['origin'] as const,
      registers: r,
    }),
    replicationLag: new Histogram({
      name: 'concord_replication_lag_seconds',
      help: 'Applied time in this region minus accept time in the origin region.',
      labelNames: ['origin'] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    pendingEvents: new Gauge({
      name: 'concord_pending_events',
      help: 'Events parked by the causal gate, waiting for dependencies.',
      registers: r,
    }),
    pendingOldest: new Gauge({
      name: 'concord_pending_oldest_seconds',
      help: 'Age of the oldest parked event.',
      registers: r,
    }),
    conflictsDetected: new Counter({
      name: 'concord_conflicts_detected_total',
      help: 'Conflicts (streams with more than one head) detected.',
      registers: r,
    }),
    conflictsOpen: new Gauge({
      name: 'concord_conflicts_open',
      help: 'Conflicts currently open in this region’s projection.',
      registers: r,
    }),
    conflictsResolved: new Counter({
      name: 'concord_conflicts_resolved_total',
      help: 'Conflicts resolved, by policy.',
      labelNames: ['policy'] as const,
      registers: r,
    }),
    convergenceSeconds: new Gauge({
      name: 'concord_convergence_seconds',
      help: 'Seconds from heal (or last write) until every region’s digests were equal, last measured.',
      registers: r,
    }),
    divergentStreams: new Gauge({
      name: 'concord_divergent_streams',
      help: 'Streams whose event sets or states differ between regions (after re-check).',
      registers: r,
    }),
    dlq: new Counter({
      name: 'concord_dlq_total',
      help: 'Records sent to the dead-letter topic, by reason.',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    duplicates: new Counter({
      name: 'concord_duplicates_total',
      help: 'Duplicates dropped or folded as no-ops, by kind.',
      labelNames: ['kind'] as const,
      registers: r,
    }),
    fenced: new Gauge({
      name: 'concord_fenced',
      help: '1 while this region refuses writes (split-brain quarantine).',
      registers: r,
    }),
    httpRequests: new Counter({
      name: 'concord_http_requests_total',
      help: 'HTTP requests served, by route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: r,
    }),
    httpDuration: new Histogram({
      name: 'concord_http_request_duration_seconds',
      help: 'HTTP request duration, by route.',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    hlcSkew: new Gauge({
      name: 'concord_hlc_skew_seconds',
      help: 'Largest observed difference between a remote HLC and local wall time.',
      labelNames: ['origin'] as const,
      registers: r,
    }),
    splitBrainSuspected: new Gauge({
      name: 'concord_split_brain_suspected',
      help: '1 when the conflict rate or divergence exceeds the configured thresholds.',
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
