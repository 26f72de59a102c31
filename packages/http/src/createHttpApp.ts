import { randomUUID, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ConcordError, type ErrorCode } from '@concord/core';
import type { Logger, Metrics } from '@concord/telemetry';
import { HTTP_STATUS, retryAfterSeconds } from './httpStatus.js';

/** Who may call a route: anyone, holders of an API token, or the admin token. */

/** Longest a scrape waits for `beforeMetrics` before answering with the last values. */
const BEFORE_METRICS_WAIT_MS = 250;
export type RouteAuth = 'none' | 'api' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export interface AuthSettings {
  apiTokens: readonly string[];
  adminToken: string | undefined;
  /** Explicit opt-out: no token is checked at all. */
  insecure: boolean;
}

export interface HttpAppOptions {
  service: string;
  region: string;
  logger: Logger;
  metrics: Metrics;
  auth: AuthSettings;
  /** Largest request body in bytes (413 beyond). */
  bodyLimit: number;
  /** Readiness checks by name; `/readyz` is 200 only when all are true. */
  readiness?: () => Promise<Record<string, boolean>> | Record<string, boolean>;
  /**
   * Refreshes gauges that are read from a store, right before `/metrics` answers (so they cost
   * nothing between scrapes). The scrape waits for it at most 250 ms; a failure is logged; either
   * way it answers with the last values. Callers coalesce concurrent refreshes.
   */
  beforeMetrics?: () => Promise<void>;
  /**
   * Checks that `/readyz` reports but that do not decide readiness (e.g. an accelerator such
   * as Redis, without which the service still works). Default: none.
   */
  optionalChecks?: readonly string[];
  /**
   * Longest path parameter, in characters as sent (percent-encoding included); a longer one
   * does not match the route (404). Default 100 (fastify's own default).
   */
  maxParamLength?: number;
  /** OpenAPI document info; the document is served at `/v1/openapi.json`. */
  openapi?: { title: string; version: string; description?: string };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Sends a Concord error as `{ error: { code, message, details? } }` with its status. */
export function sendError(reply: FastifyReply, error: ConcordError): FastifyReply {
  const status = HTTP_STATUS[error.code];
  const retryAfter = retryAfterSeconds(error.code);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(status).send({ error: error.toJSON() });
}

/** Fastify's own errors (body parsing, limits, schema validation) mapped to Concord codes. */
function fromFastifyError(error: {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: unknown;
}): ConcordError {
  const byCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
    FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  };
  if (error.validation) {
    return new ConcordError('VALIDATION_FAILED', error.message, {
      details: { validation: error.validation },
    });
  }
  const code =
    (error.code && byCode[error.code]) ??
    (error instanceof SyntaxError ? 'BAD_REQUEST' : undefined);
  if (code) return new ConcordError(code, error.message);
  if (error.statusCode === 413) return new ConcordError('PAYLOAD_TOO_LARGE', error.message);
  if (error.statusCode === 415) return new ConcordError('UNSUPPORTED_MEDIA_TYPE', error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ConcordError('BAD_REQUEST', error.message);
  }
  return new ConcordError('INTERNAL', 'internal error', { cause: error });
}

function tokenMatches(presented: string, expected: readonly string[]): boolean {
  const a = Buffer.from(presented);
  let ok = false;
  for (const token of expected) {
    const b = Buffer.from(token);
    // Compare every token (no early exit) in constant time per token.
    if (a.length === b.length && timingSafeEqual(a, b)) ok = true;
  }
  return ok;
}

/**
 * Refuses to run a service that would accept anyone, unless insecure mode was asked for
 * explicitly.
 */
export function assertAuthConfigured(auth: AuthSettings): void {
  if (auth.insecure) return;
  if (auth.apiTokens.length === 0 || auth.adminToken === undefined) {
    throw new ConcordError(
      'CONFIG_INVALID',
      'refusing to start without CONCORD_API_TOKENS and CONCORD_ADMIN_TOKEN; set them, or pass --insecure (CONCORD_INSECURE=true) for local development',
      {
        retriable: false,
        details: { issues: [{ field: 'CONCORD_API_TOKENS' }, { field: 'CONCORD_ADMIN_TOKEN' }] },
      },
    );
  }
}

/**
 * A fastify app with Concord's HTTP conventions: request ids, bearer-token auth per route
 * (`config.auth`), JSON-only bodies with a size limit, every error as a JSON body with a
 * stable code, `/healthz`, `/readyz`, `/metrics`, `/v1/openapi.json`, and per-route metrics.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  assertAuthConfigured(options.auth);
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Our onResponse hook measures every request and logs failures; fastify's per-request lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    return503OnClosing: true,
    ...(options.maxParamLength === undefined
      ? {}
      : { routerOptions: { maxParamLength: options.maxParamLength } }),
    // Errors the router raises before any hook runs (a malformed percent-encoding, a path
    // parameter beyond maxParamLength) get the same JSON error body as everything else.
    frameworkErrors: (error, _request, reply) => {
      void reply.header('x-request-id', reply.request.id);
      return sendError(
        reply,
        new ConcordError(
          'BAD_REQUEST',
          error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? 'a path parameter is too long'
            : 'the URL is not valid (bad percent-encoding)',
          { details: { reason: error.code } },
        ),
      );
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: options.openapi ?? { title: `Concord ${options.service}`, version: '1' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });

  // JSON only: everything else is 415 (fastify would otherwise parse text/plain too).
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    (request as FastifyRequest & { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    const needed = request.routeOptions.config?.auth ?? 'api';
    if (needed === 'none' || options.auth.insecure) return;
    const header = request.headers.authorization;
    const token =
      typeof header === 'string' && header.startsWith('Bearer ')
        ? header.slice(7).trim()
        : undefined;
    if (!token) {
      void reply.header('www-authenticate', 'Bearer');
      return sendError(reply, new ConcordError('UNAUTHORIZED', 'missing bearer token'));
    }
    const admin = options.auth.adminToken ? tokenMatches(token, [options.auth.adminToken]) : false;
    if (needed === 'admin') {
      if (admin) return;
      return tokenMatches(token, options.auth.apiTokens)
        ? sendError(reply, new ConcordError('FORBIDDEN', 'this route needs the admin token'))
        : sendError(reply, new ConcordError('UNAUTHORIZED', 'invalid bearer token'));
    }
    if (admin || tokenMatches(token, options.auth.apiTokens)) return;
    return sendError(reply, new ConcordError('UNAUTHORIZED', 'invalid bearer token'));
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const startedAt = (request as FastifyRequest & { startedAt?: bigint }).startedAt;
    options.metrics.httpRequests.inc({
      method: request.method,
      route,
      status: String(reply.statusCode),
    });
    if (startedAt !== undefined) {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      options.metrics.httpDuration.observe({ method: request.method, route }, seconds);
    }
    if (reply.statusCode >= 500) {
      request.log.warn({ route, status: reply.statusCode, reqId: request.id }, 'request failed');
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const concord = error instanceof ConcordError ? error : fromFastifyError(error as never);
    if (concord.code === 'INTERNAL')
      request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return sendError(reply, concord);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ConcordError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  app.get('/healthz', { config: { auth: 'none' }, schema: { hide: true } }, async () => ({
    status: 'ok',
    service: options.service,
    region: options.region,
  }));

  app.get(
    '/readyz',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (_request, reply) => {
      const checks = (await options.readiness?.()) ?? {};
      const optional = new Set(options.optionalChecks ?? []);
      const ready = Object.entries(checks).every(([name, ok]) => ok || optional.has(name));
      return reply
        .code(ready ? 200 : 503)
        .send({ ready, checks, service: options.service, region: options.region });
    },
  );

  app.get(
    '/metrics',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (request, reply) => {
      if (options.beforeMetrics) {
        // At most BEFORE_METRICS_WAIT_MS: a store that hangs (a locked table, a slow link) must
        // not hang the scrape, which then answers with the last values.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          options.beforeMetrics().catch((error: unknown) => {
            request.log.warn({ err: error }, 'metrics: could not refresh the stored gauges');
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, BEFORE_METRICS_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      return reply
        .header('content-type', options.metrics.registry.contentType)
        .send(await options.metrics.registry.metrics());
    },
  );

  app.get('/v1/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  return app;
}
