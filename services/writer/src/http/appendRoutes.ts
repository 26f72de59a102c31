import type { Tracer } from '@opentelemetry/api';
import { ConcordError, toConcordError } from '@concord/core';
import { HTTP_STATUS, type FastifyInstance } from '@concord/http';
import { SpanAttr, type Logger } from '@concord/telemetry';
import { parseAppendCommand } from '../append/AppendCommand.js';
import type { Appender, FenceGate } from '../append/Appender.js';
import type { InflightLimiter } from '../append/InflightLimiter.js';
import { SESSION_HEADER, type CoveredEvent, type SessionGate } from '../session/SessionGate.js';
import { appendBody, appendResult, batchBody, batchResult } from './appendSchemas.js';
import { errorResponses, sessionHeader, streamParams } from './schemas.js';
import { serverSpan } from './serverSpan.js';

export interface AppendRoutesDeps {
  readonly region: string;
  readonly appender: Appender;
  readonly limiter: InflightLimiter;
  readonly fence: FenceGate;
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly sessions: SessionGate;
  readonly maxBatchItems: number;
  /** Body limit of a single append, in bytes (413 beyond). */
  readonly appendBodyLimit: number;
  /** Body limit of a batch, in bytes. */
  readonly batchBodyLimit: number;
}

/** Refuses before the body is even read when no append slot is free (bounded memory). */
function admissionHook(limiter: InflightLimiter) {
  return async () => {
    if (limiter.full) limiter.acquire(1); // throws BACKPRESSURE
  };
}

type BatchItemResult =
  | { status: 200 | 201; event: unknown; duplicate: boolean }
  | { status: number; error: ReturnType<ConcordError['toJSON']> };

/** `POST /v1/streams/{stream}/events` and `POST /v1/events` (docs/writer.md §1). */
export function registerAppendRoutes(app: FastifyInstance, deps: AppendRoutesDeps): void {
  const { appender, limiter, tracer, region } = deps;

  app.post<{ Params: { stream: string }; Body: unknown }>(
    '/v1/streams/:stream/events',
    {
      config: { auth: 'api' },
      bodyLimit: deps.appendBodyLimit,
      onRequest: admissionHook(limiter),
      schema: {
        summary: 'Append an event to a stream',
        description:
          'Validates, deduplicates (idempotency key in the body or the Idempotency-Key header), serialises the stream within the region, names the current heads as parents, stamps a hybrid logical clock, signs, and answers once the region’s Kafka acknowledged (acks=all).',
        tags: ['append'],
        security: [{ bearer: [] }],
        params: streamParams,
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': { type: 'string', description: 'Same as body idempotencyKey' },
            ...sessionHeader,
          },
        },
        body: appendBody,
        response: {
          201: { description: 'Appended', ...appendResult },
          200: { description: 'Duplicate of an earlier append with this key', ...appendResult },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { stream } = request.params;
      return serverSpan(tracer, request, region, { [SpanAttr.stream]: stream }, async (span) => {
        const command = parseAppendCommand({
          stream,
          body: request.body,
          headerKey: request.headers['idempotency-key'],
        });
        const incoming = deps.sessions.parse(request.headers[SESSION_HEADER]);
        const release = limiter.acquire(1);
        try {
          const result = await appender.append(command, { requestId: request.id });
          span.setAttribute(SpanAttr.eventId, result.event.id);
          const session = deps.sessions.issue(deps.sessions.extend(incoming, [result]));
          void reply.header(SESSION_HEADER, session);
          return reply
            .code(result.duplicate ? 200 : 201)
            .send({ event: result.event, duplicate: result.duplicate, session });
        } finally {
          release();
        }
      });
    },
  );

  app.post<{ Body: { events: Record<string, unknown>[] } }>(
    '/v1/events',
    {
      config: { auth: 'api' },
      bodyLimit: deps.batchBodyLimit,
      onRequest: admissionHook(limiter),
      schema: {
        summary: 'Append a batch of events (any streams)',
        description: `Up to ${deps.maxBatchItems} appends. A structurally invalid batch is refused whole (400); otherwise every item gets its own result (status 201/200 with the event, or the error status and error body), in request order. Items of one stream are appended in array order. \`session\` covers every appended or duplicate item plus the incoming \`Concord-Session\`. The batch takes one in-flight slot per item (429 BACKPRESSURE when they do not fit).`,
        tags: ['append'],
        security: [{ bearer: [] }],
        headers: { type: 'object', properties: sessionHeader },
        body: {
          ...batchBody,
          properties: {
            events: { ...batchBody.properties.events, maxItems: deps.maxBatchItems },
          },
        },
        response: { 200: { description: 'Per-item results', ...batchResult }, ...errorResponses },
      },
    },
    async (request, reply) =>
      serverSpan(tracer, request, region, {}, async (span) => {
        const items = request.body.events;
        span.setAttribute('concord.batch_size', items.length);
        const incoming = deps.sessions.parse(request.headers[SESSION_HEADER]);
        deps.fence.assertOpen();
        const release = limiter.acquire(items.length);
        try {
          // Each item enters its stream's queue synchronously, in array order.
          const covered: CoveredEvent[] = [];
          const results = await Promise.all(
            items.map(async (item): Promise<BatchItemResult> => {
              try {
                const command = parseAppendCommand({
                  stream: item.stream,
                  body: item,
                  batchItem: true,
                });
                const result = await appender.append(command, {
                  requestId: request.id,
                  fastPath: false,
                });
                covered.push(result);
                return {
                  status: result.duplicate ? 200 : 201,
                  event: result.event,
                  duplicate: result.duplicate,
                };
              } catch (error) {
                const concord = toConcordError(error);
                if (!(error instanceof ConcordError)) {
                  deps.logger.error({ err: error, reqId: request.id }, 'batch item failed');
                }
                return { status: HTTP_STATUS[concord.code], error: concord.toJSON() };
              }
            }),
          );
          const session = deps.sessions.issue(deps.sessions.extend(incoming, covered));
          void reply.header(SESSION_HEADER, session);
          return { results, session };
        } finally {
          release();
        }
      }),
  );
}
