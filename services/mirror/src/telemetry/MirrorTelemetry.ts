import { SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { Counter, Gauge, Histogram } from 'prom-client';
import { HybridLogicalClock, type Envelope } from '@concord/core';
import { contextFromTraceparent, SpanAttr, type Metrics } from '@concord/telemetry';

const ROUND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/**
 * The mirror's metrics and spans: the contract metrics of docs/operations.md, Observability (from @concord/telemetry)
 * plus a few operational ones named `concord_mirror_*`.
 */
export class MirrorTelemetry {
  readonly sweepUnparked: Counter;
  readonly applyRounds: Counter<'outcome'>;
  readonly roundDuration: Histogram;
  readonly roundEvents: Histogram;
  readonly feedBacklog: Gauge;
  readonly dlqBacklog: Gauge;
  readonly pendingOverdue: Gauge;
  readonly redelivered: Counter;
  readonly slowPath: Counter;
  readonly schemaHeld: Counter;
  readonly schemaReleased: Counter;
  readonly pendingSchema: Gauge<'category' | 'type' | 'version'>;
  private readonly clock = new HybridLogicalClock({ maxDriftMs: Infinity });

  constructor(
    readonly region: string,
    readonly metrics: Metrics,
    readonly tracer: Tracer = trace.getTracer('concord-mirror'),
  ) {
    const registers = [metrics.registry];
    this.sweepUnparked = new Counter({
      name: 'concord_mirror_sweep_unparked_total',
      help: 'Parked events the periodic safety sweep found applicable (must stay 0: each apply unparks its waiters).',
      registers,
    });
    this.applyRounds = new Counter({
      name: 'concord_mirror_apply_transactions_total',
      help: 'Apply transactions, by outcome (committed, failed).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.roundDuration = new Histogram({
      name: 'concord_mirror_apply_transaction_seconds',
      help: 'Duration of one apply transaction (lock to commit).',
      buckets: ROUND_BUCKETS,
      registers,
    });
    this.roundEvents = new Histogram({
      name: 'concord_mirror_apply_transaction_events',
      help: 'Records handled per apply transaction.',
      buckets: SIZE_BUCKETS,
      registers,
    });
    this.feedBacklog = new Gauge({
      name: 'concord_mirror_feed_backlog_events',
      help: 'Applied events not yet acknowledged by the applied feed topic.',
      registers,
    });
    this.dlqBacklog = new Gauge({
      name: 'concord_mirror_dlq_backlog_records',
      help: 'Rejected records not yet acknowledged by the DLQ topic.',
      registers,
    });
    this.pendingOverdue = new Gauge({
      name: 'concord_mirror_pending_overdue_events',
      help: 'Parked events older than CONCORD_PARKED_ALERT_SECONDS.',
      registers,
    });
    this.redelivered = new Counter({
      name: 'concord_mirror_redelivered_records_total',
      help: 'Records read again below the stored source offset (after a restart or rebalance) and skipped.',
      registers,
    });
    this.slowPath = new Counter({
      name: 'concord_mirror_slow_path_streams_total',
      help: 'Stream folds that took the snapshot-rule recompute instead of the fast path.',
      registers,
    });
    this.schemaHeld = new Counter({
      name: 'concord_mirror_schema_held_total',
      help: 'Events parked because this code cannot interpret their schema version or type (they wait for an upgrade; docs/schema-evolution.md).',
      registers,
    });
    this.schemaReleased = new Counter({
      name: 'concord_mirror_schema_released_total',
      help: 'Events held for their schema version that upgraded code released and applied.',
      registers,
    });
    this.pendingSchema = new Gauge({
      name: 'concord_mirror_pending_schema_events',
      help: 'Parked events held for their schema version, by category, type and version (part of concord_pending_events).',
      labelNames: ['category', 'type', 'version'] as const,
      registers,
    });
  }

  /**
   * Records applied events: counter and lag per origin, HLC skew per origin, and one consumer
   * span per event, child of the writer's span named by `meta.traceparent`.
   */
  applied(events: readonly Envelope[], startedAt: number, committedAt: number): void {
    const skew = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const event of events) {
      const origin = event.origin;
      counts.set(origin, (counts.get(origin) ?? 0) + 1);
      const accepted = event.meta.acceptedAt;
      if (typeof accepted === 'string') {
        const at = Date.parse(accepted);
        if (!Number.isNaN(at)) {
          this.metrics.replicationLag.observe({ origin }, Math.max(0, committedAt - at) / 1000);
        }
      }
      const s = this.clock.skewMs(event.hlc);
      skew.set(origin, Math.max(skew.get(origin) ?? Number.NEGATIVE_INFINITY, s));
      const traceparent = event.meta.traceparent;
      const span = this.tracer.startSpan(
        'concord.mirror.apply',
        {
          kind: SpanKind.CONSUMER,
          startTime: startedAt,
          attributes: {
            [SpanAttr.region]: this.region,
            [SpanAttr.origin]: origin,
            [SpanAttr.stream]: event.stream,
            [SpanAttr.eventId]: event.id,
            'concord.event_type': event.type,
          },
        },
        contextFromTraceparent(typeof traceparent === 'string' ? traceparent : undefined),
      );
      span.end(committedAt);
    }
    for (const [origin, n] of counts) this.metrics.eventsApplied.inc({ origin }, n);
    for (const [origin, ms] of skew) this.metrics.hlcSkew.set({ origin }, ms / 1000);
  }
}
