import type { Tracer } from '@opentelemetry/api';
import { ConcordError } from '@concord/core';
import type { FastifyInstance, FastifyReply } from '@concord/http';
import { SpanAttr } from '@concord/telemetry';
import { checkEventId, checkStream } from '../append/AppendCommand.js';
import type { AppliedWaiter } from '../reads/AppliedWaiter.js';
import type { ProjectionReader } from '../reads/ProjectionReader.js';
import { SESSION_HEADER, type SessionGate } from '../session/SessionGate.js';
import {
  batchReadBody,
  batchReadResult,
  eventsPage,
  eventsQuery,
  streamQuery,
  streamView,
} from './readSchemas.js';
import { errorResponses, sessionHeader, streamParams } from './schemas.js';
import { serverSpan } from './serverSpan.js';

export interface ReadRoutesDeps {
  readonly region: string;
  readonly reader: ProjectionReader;
  readonly waiter: AppliedWaiter;
  readonly tracer: Tracer;
  readonly sessions: SessionGate;
  /** Default and largest `waitMs`, in ms. */
  readonly defaultWaitMs: number;
  readonly maxWaitMs: number;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  /** Streams of one `POST /v1/reads`. */
  readonly maxBatchReads: number;
}

function integer(
  text: string | undefined,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConcordError('VALIDATION_FAILED', `${field} must be an integer in ${min}–${max}`, {
      details: { field },
    });
  }
  return value;
}

function notFound(stream: string, extra: Record<string, unknown> = {}): ConcordError {
  return new ConcordError('NOT_FOUND', `stream ${stream} has no applied event in this region`, {
    details: { stream, ...extra },
  });
}

/**
 * `GET /v1/streams/{stream}` (with read-your-writes), `GET /v1/streams/{stream}/events` and the
 * batch read `POST /v1/reads`; every one honours a `Concord-Session` token (docs/writer.md).
 */
export function registerReadRoutes(app: FastifyInstance, deps: ReadRoutesDeps): void {
  const { reader, tracer, region } = deps;

  /** Holds a read until the request's session is applied here; echoes the token. */
  async function sessionCaughtUp(
    header: string | string[] | undefined,
    waitMs: number,
    reply: FastifyReply,
  ): Promise<void> {
    const session = deps.sessions.parse(header);
    if (!session) return;
    await deps.sessions.caughtUp(session, waitMs);
    void reply.header(SESSION_HEADER, deps.sessions.issue(session));
  }

  app.get<{ Params: { stream: string }; Querystring: { after?: string; waitMs?: string } }>(
    '/v1/streams/:stream',
    {
      config: { auth: 'api' },
      schema: {
        summary: 'Read a stream’s state in this region',
        description: `The stream as this region’s projection has it. With \`after\`, first waits (up to \`waitMs\`, default ${deps.defaultWaitMs} ms, at most ${deps.maxWaitMs} ms) until that event is applied here: read-your-writes. The answer then carries \`after: {id, applied, waitedMs}\`: \`applied: false\` means the wait timed out and the state may not include that event yet (check it). With a \`Concord-Session\` token, first waits (same \`waitMs\`) until this region applied every write the token covers, else 503 SESSION_NOT_CAUGHT_UP (Retry-After; \`details\` say how far behind); the answer echoes the token. 404 NOT_FOUND for a stream without applied events (after the wait, if any). 503 STORE_UNAVAILABLE when the projection is unreachable.`,
        tags: ['read'],
        security: [{ bearer: [] }],
        params: streamParams,
        querystring: streamQuery,
        headers: { type: 'object', properties: sessionHeader },
        response: { 200: streamView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stream = checkStream(request.params.stream);
      return serverSpan(tracer, request, region, { [SpanAttr.stream]: stream }, async () => {
        const { after } = request.query;
        const waitMs = integer(
          request.query.waitMs,
          'waitMs',
          deps.defaultWaitMs,
          0,
          deps.maxWaitMs,
        );
        await sessionCaughtUp(request.headers[SESSION_HEADER], waitMs, reply);
        let awaited: { id: string; applied: boolean; waitedMs: number } | undefined;
        if (after !== undefined) {
          checkEventId(after, 'after');
          const started = Date.now();
          const applied = await deps.waiter.wait({ kind: 'event', id: after }, waitMs);
          awaited = { id: after, applied, waitedMs: Date.now() - started };
        }
        const view = await reader.stream(stream);
        if (!view) throw notFound(stream, awaited ? { after: awaited } : {});
        return { ...view, region, ...(awaited ? { after: awaited } : {}) };
      });
    },
  );

  app.get<{
    Params: { stream: string };
    Querystring: { from?: string; limit?: string; waitMs?: string };
  }>(
    '/v1/streams/:stream/events',
    {
      config: { auth: 'api' },
      schema: {
        summary: 'Page through a stream’s applied events in fold order',
        description: `Envelopes at fold positions \`from\`, \`from\`+1, … (at most \`limit\`, default ${deps.defaultPageSize}, at most ${deps.maxPageSize}); \`next\` is the \`from\` of the next page, null at the end. A concurrent event arriving later can move the events after its parents (the fold order is of the applied set), so a reader that needs a stable order reads again from its last position or compares \`version\`. With a \`Concord-Session\` token, first waits (up to \`waitMs\`) until this region applied every write it covers, else 503 SESSION_NOT_CAUGHT_UP.`,
        tags: ['read'],
        security: [{ bearer: [] }],
        params: streamParams,
        querystring: eventsQuery,
        headers: { type: 'object', properties: sessionHeader },
        response: { 200: eventsPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stream = checkStream(request.params.stream);
      return serverSpan(tracer, request, region, { [SpanAttr.stream]: stream }, async () => {
        const waitMs = integer(
          request.query.waitMs,
          'waitMs',
          deps.defaultWaitMs,
          0,
          deps.maxWaitMs,
        );
        await sessionCaughtUp(request.headers[SESSION_HEADER], waitMs, reply);
        const from = integer(request.query.from, 'from', 0, 0, 2 ** 31 - 1);
        const limit = integer(
          request.query.limit,
          'limit',
          deps.defaultPageSize,
          1,
          deps.maxPageSize,
        );
        const page = await reader.events(stream, from, limit);
        if (!page) throw notFound(stream);
        return page;
      });
    },
  );

  app.post<{ Body: { streams: string[] }; Querystring: { waitMs?: string } }>(
    '/v1/reads',
    {
      config: { auth: 'api' },
      schema: {
        summary: 'Read several streams’ states in this region at once',
        description: `Up to ${deps.maxBatchReads} streams in one consistent read of this region’s projection: \`streams\` has the view of each known stream, \`missing\` the streams without an applied event here, both in request order (a stream named twice is answered once). With a \`Concord-Session\` token, first waits (up to \`waitMs\`, default ${deps.defaultWaitMs} ms, at most ${deps.maxWaitMs} ms) until this region applied every write the token covers, else 503 SESSION_NOT_CAUGHT_UP; the answer echoes the token. 400 VALIDATION_FAILED names the first bad stream. 503 STORE_UNAVAILABLE when the projection is unreachable.`,
        tags: ['read'],
        security: [{ bearer: [] }],
        body: {
          ...batchReadBody,
          properties: {
            streams: { ...batchReadBody.properties.streams, maxItems: deps.maxBatchReads },
          },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { waitMs: streamQuery.properties.waitMs },
        },
        headers: { type: 'object', properties: sessionHeader },
        response: { 200: batchReadResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const streams = [
        ...new Set(request.body.streams.map((s, i) => checkStream(s, `streams[${i}]`))),
      ];
      return serverSpan(tracer, request, region, { [SpanAttr.stream]: streams[0] }, async () => {
        const waitMs = integer(
          request.query.waitMs,
          'waitMs',
          deps.defaultWaitMs,
          0,
          deps.maxWaitMs,
        );
        await sessionCaughtUp(request.headers[SESSION_HEADER], waitMs, reply);
        const views = await reader.streams(streams);
        return {
          region,
          streams: streams.flatMap((s) => views.get(s) ?? []),
          missing: streams.filter((s) => !views.has(s)),
        };
      });
    },
  );
}
