import type { Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from '@concord/http';
import { SpanAttr } from '@concord/telemetry';
import type { Appender } from '../append/Appender.js';
import type { InflightLimiter } from '../append/InflightLimiter.js';
import type { Fence } from '../fence/Fence.js';
import { fenceBody, fenceStatus, mergeResult } from './adminSchemas.js';
import { errorResponses } from './schemas.js';
import { serverSpan } from './serverSpan.js';

export interface AdminRoutesDeps {
  readonly region: string;
  readonly fence: Fence;
  readonly appender: Appender;
  readonly limiter: InflightLimiter;
  readonly tracer: Tracer;
}

/** `POST`/`DELETE`/`GET /v1/admin/fence` and `POST /v1/admin/merges` (admin token). */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const { fence, region, tracer } = deps;
  const by = (requestId: string) => `admin via writer-${region} (request ${requestId})`;
  const common = {
    tags: ['admin'],
    security: [{ bearer: [] }],
    response: { 200: fenceStatus, ...errorResponses },
  };

  app.post<{ Body: { reason?: string } | undefined }>(
    '/v1/admin/fence',
    {
      config: { auth: 'admin' },
      // The body is optional (`curl -X POST` sends none): validate an absent one as `{}`.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        ...common,
        summary: 'Fence the region: refuse every append (503 REGION_FENCED)',
        description:
          'Stored durably in the regional Postgres (concord.fence); every writer of the region applies it within a second, and after restarts. Reads keep working; the mirror keeps applying. 503 STORE_UNAVAILABLE when Postgres cannot record it.',
        body: fenceBody,
      },
    },
    async (request) =>
      serverSpan(tracer, request, region, {}, async () => {
        const status = await fence.set(true, request.body?.reason ?? null, by(request.id));
        request.log.warn({ reason: status.reason, reqId: request.id }, 'fence set');
        return { ...status, region };
      }),
  );

  app.delete(
    '/v1/admin/fence',
    {
      config: { auth: 'admin' },
      schema: { ...common, summary: 'Lift the fence: accept appends again' },
    },
    async (request) =>
      serverSpan(tracer, request, region, {}, async () => {
        const status = await fence.set(false, null, by(request.id));
        request.log.warn({ reqId: request.id }, 'fence lifted');
        return { ...status, region };
      }),
  );

  app.get(
    '/v1/admin/fence',
    {
      config: { auth: 'admin' },
      schema: { ...common, summary: 'The fence as this writer applies it' },
    },
    async () => {
      const { known: _known, ...status } = fence.current;
      return { ...status, region };
    },
  );

  app.post<{ Body: { merge: Record<string, unknown> } }>(
    '/v1/admin/merges',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Append a concord.merge built by a reconciler',
        description:
          'The body is `{merge}`, an unsigned `concord.merge` envelope (e.g. from buildMerge or buildManualMerge) whose id is derived from its stream and parents (and data, for a manual merge). The writer signs it as this region (its origin stays the owner region), produces it to this region’s events topic through the per-stream serialisation, and names it as a parent of the next appends here. 201 with the event; 200 `duplicate: true` when that merge id was already appended or applied; 400 for anything else than such a merge; 503 REGION_FENCED / BUS_UNAVAILABLE as for appends.',
        body: {
          type: 'object',
          required: ['merge'],
          additionalProperties: false,
          properties: { merge: { type: 'object', additionalProperties: true } },
        },
        response: {
          201: { description: 'Appended', ...mergeResult },
          200: { description: 'Already appended or applied', ...mergeResult },
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      serverSpan(tracer, request, region, {}, async (span) => {
        const merge = request.body.merge;
        if (typeof merge.stream === 'string') span.setAttribute(SpanAttr.stream, merge.stream);
        const release = deps.limiter.acquire(1);
        try {
          const result = await deps.appender.appendMerge(merge, { requestId: request.id });
          span.setAttribute(SpanAttr.eventId, result.event.id);
          return reply.code(result.duplicate ? 200 : 201).send(result);
        } finally {
          release();
        }
      }),
  );
}
