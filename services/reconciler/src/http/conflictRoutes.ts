// Brings @fastify/swagger's route-schema fields (summary, tags, security) into FastifySchema.
import type {} from '@fastify/swagger';
import {
  ConcordError,
  UUID_PATTERN,
  type DomainRegistry,
  type ManualResolution,
  type RegionId,
} from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import type { Metrics } from '@concord/telemetry';
import { conflictView } from '../conflicts/conflictView.js';
import { resolveManually } from '../conflicts/resolveManually.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';
import type { WriterAdminClient } from './ServiceClients.js';

export interface ConflictRoutesDeps {
  readonly region: RegionId;
  readonly regions: readonly RegionId[];
  readonly store: ReconcilerStore;
  readonly registry: DomainRegistry;
  readonly writer: Pick<WriterAdminClient, 'appendMerge'>;
  readonly metrics: Metrics;
}

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: UUID_PATTERN.source } },
} as const;

const common = { tags: ['conflicts'], security: [{ bearer: [] }] };

function encodeCursor(row: { detectedAt: string; id: string }): string {
  return Buffer.from(`${row.detectedAt}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { detectedAt: string; id: string } {
  const [detectedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!detectedAt || !id || Number.isNaN(Date.parse(detectedAt)) || !UUID_PATTERN.test(id)) {
    throw new ConcordError('VALIDATION_FAILED', 'invalid cursor', { details: { field: 'cursor' } });
  }
  return { detectedAt, id };
}

/** `GET /v1/conflicts`, `GET /v1/conflicts/{id}`, `POST /v1/conflicts/{id}/resolve`. */
export function registerConflictRoutes(app: FastifyInstance, deps: ConflictRoutesDeps): void {
  app.get<{ Querystring: { status?: string; stream?: string; limit?: string; cursor?: string } }>(
    '/v1/conflicts',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary: "This region's conflicts, newest first, paged",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'resolved', 'superseded'] },
            stream: { type: 'string', minLength: 1, maxLength: 200 },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: '1–1000, default 100' },
            cursor: {
              type: 'string',
              maxLength: 200,
              description: '`nextCursor` of the previous page',
            },
          },
        },
      },
    },
    async (request) => {
      const limit = Math.min(1000, Math.max(1, Number(request.query.limit ?? 100)));
      const rows = await deps.store.listConflicts({
        status: request.query.status,
        stream: request.query.stream,
        limit: limit + 1,
        cursor: request.query.cursor ? decodeCursor(request.query.cursor) : undefined,
      });
      const page = rows.slice(0, limit);
      return {
        region: deps.region,
        conflicts: page,
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/conflicts/:id',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary: 'One conflict: its branches with their events, contested fields and winners',
        params: idParams,
      },
    },
    async (request) => {
      const conflict = await deps.store.conflict(request.params.id);
      if (!conflict) {
        throw new ConcordError('NOT_FOUND', `no conflict ${request.params.id} in this region`);
      }
      const [events, resolutions] = await Promise.all([
        deps.store.streamEvents(conflict.stream),
        deps.store.resolutions(conflict.id),
      ]);
      return {
        region: deps.region,
        ...conflictView({
          conflict,
          events,
          module: deps.registry.forStream(conflict.stream),
          regions: deps.regions,
          resolutions,
        }),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: ManualResolution }>(
    '/v1/conflicts/:id/resolve',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary: 'Resolve a manual conflict: keep one branch, or apply a merge patch',
        description:
          "201 with the merge appended through this region's writer; 200 when the same resolution was appended before. 409 CONFLICT_NOT_MANUAL when the category resolves automatically, 409 CONFLICT_NOT_OPEN when it is closed or its heads moved on.",
        params: idParams,
        body: {
          oneOf: [
            {
              type: 'object',
              required: ['choose'],
              additionalProperties: false,
              properties: {
                choose: {
                  type: 'string',
                  pattern: UUID_PATTERN.source,
                  description: 'A head to keep',
                },
              },
            },
            {
              type: 'object',
              required: ['patch'],
              additionalProperties: false,
              properties: { patch: { type: 'object', description: 'RFC 7396 merge patch' } },
            },
          ],
        },
      },
    },
    async (request, reply) => {
      const header = request.headers.traceparent;
      const result = await resolveManually({
        conflictId: request.params.id,
        resolution: request.body,
        store: deps.store,
        registry: deps.registry,
        regions: deps.regions,
        writer: deps.writer,
        metrics: deps.metrics,
        traceparent: typeof header === 'string' ? header : undefined,
      });
      request.log.warn(
        {
          conflictId: result.conflictId,
          stream: result.stream,
          mergeId: result.merge.id,
          reqId: request.id,
        },
        'conflict resolved by an operator',
      );
      return reply.code(result.duplicate ? 200 : 201).send({ region: deps.region, ...result });
    },
  );
}
