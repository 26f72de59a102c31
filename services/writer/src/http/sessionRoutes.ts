import type { Tracer } from '@opentelemetry/api';
import { ConcordError } from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import { SESSION_HEADER, type SessionGate } from '../session/SessionGate.js';
import { errorResponses, sessionHeader } from './schemas.js';
import { serverSpan } from './serverSpan.js';

export interface SessionRoutesDeps {
  readonly region: string;
  readonly tracer: Tracer;
  readonly sessions: SessionGate;
}

const merged = {
  type: 'object',
  required: ['session'],
  properties: { session: { type: 'string', description: 'One token covering every token sent.' } },
} as const;

/**
 * `POST /v1/sessions`: merges the tokens of the `Concord-Session` header (up to 8, from any
 * region of the deployment) into one. A client whose concurrent requests left it more tokens
 * than one request may carry merges them here, so that a later read carries the whole session
 * (docs/writer.md, "Sessions"; docs/client.md).
 */
export function registerSessionRoutes(app: FastifyInstance, deps: SessionRoutesDeps): void {
  app.post(
    '/v1/sessions',
    {
      config: { auth: 'api' },
      schema: {
        summary: 'Merge session tokens into one',
        description:
          'Answers one session token covering every token of the `Concord-Session` header (1 to 8, comma-separated or repeated; from any region of this deployment), in the body and the header. Nothing is waited for or written. 400 SESSION_INVALID for a missing, malformed, forged, foreign or future token.',
        tags: ['read'],
        security: [{ bearer: [] }],
        headers: { type: 'object', properties: sessionHeader },
        response: { 200: { description: 'The merged token', ...merged }, ...errorResponses },
      },
    },
    async (request, reply) =>
      serverSpan(deps.tracer, request, deps.region, {}, async () => {
        const session = deps.sessions.parse(request.headers[SESSION_HEADER]);
        if (!session) {
          throw new ConcordError('SESSION_INVALID', 'Concord-Session holds no token to merge', {
            details: { reason: 'format', tokens: 0 },
          });
        }
        const token = deps.sessions.issue(session);
        void reply.header(SESSION_HEADER, token);
        return { session: token };
      }),
  );
}
