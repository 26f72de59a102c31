import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  ConcordError,
  serializeEnvelope,
  signEnvelope,
  type Envelope,
  type EnvelopeSigner,
  type RegionId,
  type UnsignedEnvelope,
} from '@concord/core';
import { currentTraceparent, inSpan, SpanAttr, type Metrics } from '@concord/telemetry';
import type { OwnEvent } from '../heads/OwnChainStore.js';
import type { AppendContext } from './appendTypes.js';
import type { EventLog, LogPosition } from './EventLog.js';

export interface ProduceDeps {
  readonly region: RegionId;
  readonly topic: string;
  readonly signer: EnvelopeSigner;
  /** Physical clock in ms, for `meta.acceptedAt`. */
  readonly now: () => number;
  readonly log: EventLog;
  readonly maxEventBytes: number;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** An acknowledged own event, with its signed envelope and where the log holds it. */
export type ProducedEvent = OwnEvent & {
  readonly envelope: Envelope;
  readonly position: LogPosition | undefined;
};

/**
 * Signs and produces an envelope (docs/writer.md §2 steps 11–12) inside a producer span
 * (`<topic> publish`, docs/writer.md §9) whose traceparent goes into `meta.traceparent` and
 * the Kafka headers; `meta.acceptedAt` is set now. A signed envelope beyond the size limit is
 * 413 `ENVELOPE_TOO_LARGE` before anything is produced. Resolves once Kafka acknowledged.
 */
export async function produceSigned(
  deps: ProduceDeps,
  unsigned: UnsignedEnvelope,
  context: AppendContext,
): Promise<ProducedEvent> {
  return inSpan(
    deps.tracer,
    `${deps.topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': deps.topic,
        [SpanAttr.region]: deps.region,
        [SpanAttr.origin]: unsigned.origin,
        [SpanAttr.stream]: unsigned.stream,
        [SpanAttr.eventId]: unsigned.id,
      },
    },
    async () => {
      const traceparent = currentTraceparent();
      const envelope = signEnvelope(
        {
          ...unsigned,
          meta: {
            ...unsigned.meta,
            acceptedAt: new Date(deps.now()).toISOString(),
            ...(traceparent === undefined ? {} : { traceparent }),
            ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
          },
        },
        deps.signer,
      );
      const value = serializeEnvelope(envelope);
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > deps.maxEventBytes) {
        throw new ConcordError(
          'ENVELOPE_TOO_LARGE',
          `the event would be ${bytes} bytes, the limit is ${deps.maxEventBytes}`,
          { details: { field: 'data', size: bytes, limit: deps.maxEventBytes } },
        );
      }
      const position = await deps.log.append({
        stream: envelope.stream,
        value,
        headers: {
          'concord-event-id': envelope.id,
          'concord-origin': envelope.origin,
          'concord-type': envelope.type,
          ...(traceparent === undefined ? {} : { traceparent }),
        },
      });
      // Acknowledged by Kafka: only now does anything else learn about the event.
      deps.metrics.eventsAppended.inc();
      return {
        id: envelope.id,
        parents: envelope.parents,
        hlc: envelope.hlc,
        envelope,
        bytes,
        position,
      };
    },
  );
}
