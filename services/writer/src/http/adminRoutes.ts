import type { Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from '@concord/http';
import type { Fence } from '../fence/Fence.js';
import { errorResponses, fenceBody, fenceStatus } from './schemas.js';
import { serverSpan } from './serverSpan.js';

export interface AdminRoutesDeps {
  readonly region: string;
  readonly fence: Fence;
  readonly tracer: Tracer;
}

/** `POST`/`DELETE`/`GET /v1/admin/fence` (admin token). */
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
}
