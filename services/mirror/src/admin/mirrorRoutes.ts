import type { StreamId } from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import type { StreamRecompute } from './recomputeStreams.js';

/** What the mirror's HTTP routes call. */
export interface MirrorRoutesDeps {
  recompute(streams: readonly StreamId[]): Promise<StreamRecompute[]>;
  status(): Promise<unknown>;
  backlog(): Promise<unknown>;
}

/**
 * The mirror's own routes beside /healthz, /readyz and /metrics:
 * - `GET /v1/status` (API token): parked events (count, oldest, the overdue ones), applied
 *   feed position, DLQ backlog, source offsets, sources;
 * - `GET /v1/backlog` (API token): per origin, records not yet applied and the age of the
 *   oldest, and whether apply transactions fail (since when, with which code) — from memory,
 *   so it answers while the database is down or locked;
 * - `POST /v1/admin/recompute` (admin token) `{ "streams": [...] }`: recompute those streams
 *   from their stored events (state, heads, positions, digests, conflicts, read models).
 */
export function registerMirrorRoutes(app: FastifyInstance, deps: MirrorRoutesDeps): void {
  app.get('/v1/status', { config: { auth: 'api' } }, async () => deps.status());
  app.get('/v1/backlog', { config: { auth: 'api' } }, async () => deps.backlog());

  app.post(
    '/v1/admin/recompute',
    {
      config: { auth: 'admin' },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['streams'],
          properties: {
            streams: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: { type: 'string', minLength: 1, maxLength: 200 },
            },
          },
        },
      },
    },
    async (request) => {
      const { streams } = request.body as { streams: string[] };
      const results = await deps.recompute(streams);
      return { results, changed: results.filter((r) => r.changed).length };
    },
  );
}
