import { metrics, type Counter, type Histogram, type Meter } from '@opentelemetry/api';

/**
 * The client's instruments, through the OpenTelemetry API only: without an SDK registered by
 * the application they are no-ops (docs/client.md, "Metrics").
 */
export class ClientMetrics {
  private readonly requests: Counter;
  private readonly failovers: Counter;
  private readonly sessionWaits: Counter;
  private readonly duration: Histogram;

  constructor(meter: Meter = metrics.getMeter('@concord/client')) {
    this.requests = meter.createCounter('concord_client_requests_total', {
      description: 'HTTP attempts by region, operation and outcome (ok or the error code)',
    });
    this.failovers = meter.createCounter('concord_client_failovers_total', {
      description: 'Changes of the target region (from, to, reason)',
    });
    this.sessionWaits = meter.createCounter('concord_client_session_not_caught_up_total', {
      description:
        'Session reads a region refused as not caught up yet (retried elsewhere or later)',
    });
    this.duration = meter.createHistogram('concord_client_request_duration_seconds', {
      description:
        'Duration of HTTP attempts by region and operation; session reads include the wait',
      unit: 's',
    });
  }

  attempt(region: string, op: string, outcome: string, seconds: number, session: boolean): void {
    this.requests.add(1, { region, op, outcome });
    this.duration.record(seconds, { region, op, session });
    if (outcome === 'SESSION_NOT_CAUGHT_UP') this.sessionWaits.add(1, { region, op });
  }

  failover(from: string, to: string, reason: string): void {
    this.failovers.add(1, { from, to, reason });
  }
}
