import { describe, expect, it } from 'vitest';
import { ConcordError, isConcordError } from '@concord/core';
import { createLogger, createMetrics } from '@concord/telemetry';
import { createHttpApp, type AuthSettings } from './index.js';

const API = 'api-token-0123456789';
const ADMIN = 'admin-token-0123456789';
const secure: AuthSettings = { apiTokens: [API], adminToken: ADMIN, insecure: false };

async function app(auth: AuthSettings = secure, ready = true) {
  const metrics = createMetrics({ region: 'us', service: 'test' });
  const a = await createHttpApp({
    service: 'test',
    region: 'us',
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    auth,
    bodyLimit: 1024,
    readiness: () => ({ kafka: ready, postgres: true }),
  });
  a.post(
    '/v1/echo',
    {
      schema: { body: { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } } },
    },
    async (req) => req.body,
  );
  a.post('/v1/admin/thing', { config: { auth: 'admin' } }, async () => ({ ok: true }));
  a.get('/v1/fenced', async () => {
    throw new ConcordError('REGION_FENCED', 'fenced');
  });
  return { a, metrics };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('createHttpApp', () => {
  it('refuses to start without tokens unless insecure is explicit', async () => {
    const error = await app({ apiTokens: [], adminToken: undefined, insecure: false }).catch(
      (e: unknown) => e,
    );
    expect(isConcordError(error, 'CONFIG_INVALID')).toBe(true);
    const { a } = await app({ apiTokens: [], adminToken: undefined, insecure: true });
    expect(
      (await a.inject({ method: 'POST', url: '/v1/echo', payload: { x: 1 } })).statusCode,
    ).toBe(200);
  });

  it('answers 401 without or with a wrong token, 403 for an API token on an admin route', async () => {
    const { a } = await app();
    const none = await a.inject({ method: 'POST', url: '/v1/echo', payload: { x: 1 } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'missing bearer token' },
    });
    expect(
      (
        await a.inject({
          method: 'POST',
          url: '/v1/echo',
          headers: bearer('nope'),
          payload: { x: 1 },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (await a.inject({ method: 'POST', url: '/v1/admin/thing', headers: bearer(API) })).json()
        .error.code,
    ).toBe('FORBIDDEN');
    expect(
      (await a.inject({ method: 'POST', url: '/v1/admin/thing', headers: bearer(ADMIN) }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await a.inject({ method: 'POST', url: '/v1/echo', headers: bearer(API), payload: { x: 1 } })
      ).json(),
    ).toEqual({ x: 1 });
  });

  it('maps body problems to 400/413/415 with stable codes', async () => {
    const { a } = await app();
    const h = { ...bearer(API), 'content-type': 'application/json' };
    const cases = [
      { payload: '{"x":', headers: h, status: 400, code: 'BAD_REQUEST' },
      { payload: JSON.stringify({ x: 'one' }), headers: h, status: 400, code: 'VALIDATION_FAILED' },
      {
        payload: JSON.stringify({ x: 1, pad: 'y'.repeat(2000) }),
        headers: h,
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        payload: 'x=1',
        headers: { ...bearer(API), 'content-type': 'text/plain' },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
    ];
    for (const c of cases) {
      const res = await a.inject({
        method: 'POST',
        url: '/v1/echo',
        headers: c.headers,
        payload: c.payload,
      });
      expect({ status: res.statusCode, code: res.json().error.code }).toEqual({
        status: c.status,
        code: c.code,
      });
    }
  });

  it('answers unknown routes with a JSON 404 and domain errors with their status and Retry-After', async () => {
    const { a } = await app();
    const missing = await a.inject({ method: 'GET', url: '/v1/nothing?x=1', headers: bearer(API) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({
      code: 'NOT_FOUND',
      message: 'no route GET /v1/nothing',
    });
    const fenced = await a.inject({ method: 'GET', url: '/v1/fenced', headers: bearer(API) });
    expect(fenced.statusCode).toBe(503);
    expect(fenced.headers['retry-after']).toBe('30');
  });

  it('echoes a valid request id and mints one otherwise', async () => {
    const { a } = await app();
    const given = await a.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'req-42' },
    });
    expect(given.headers['x-request-id']).toBe('req-42');
    const minted = await a.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id!' },
    });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves readiness, metrics and the OpenAPI document without a token', async () => {
    const { a } = await app(secure, false);
    const ready = await a.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, checks: { kafka: false, postgres: true } });
    await a.inject({ method: 'POST', url: '/v1/echo', headers: bearer(API), payload: { x: 1 } });
    const metrics = await a.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /concord_http_requests_total\{method="POST",route="\/v1\/echo",status="200",region="us",service="test"\} 1/,
    );
    const doc = (await a.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/echo');
  });

  it('reports optional checks without letting them decide readiness, and takes long path parameters', async () => {
    const a = await createHttpApp({
      service: 'test',
      region: 'us',
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetrics({ region: 'us', service: 'test' }),
      auth: secure,
      bodyLimit: 1024,
      readiness: () => ({ kafka: true, redis: false }),
      optionalChecks: ['redis'],
      maxParamLength: 300,
    });
    a.get('/v1/things/:id', async (req) => req.params);
    const ready = await a.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { kafka: true, redis: false } });
    const id = 'x'.repeat(250);
    const long = await a.inject({ method: 'GET', url: `/v1/things/${id}`, headers: bearer(API) });
    expect(long.json()).toEqual({ id });
    // Router errors get the same JSON error body as everything else.
    const tooLong = await a.inject({ method: 'GET', url: `/v1/things/${'x'.repeat(301)}` });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('BAD_REQUEST');
    const badUrl = await a.inject({ method: 'GET', url: '/v1/things/%E0%A4%A' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error).toMatchObject({
      code: 'BAD_REQUEST',
      details: { reason: 'FST_ERR_BAD_URL' },
    });
  });

  it('refreshes stored gauges before a scrape, but never waits on them beyond 250 ms', async () => {
    const metrics = createMetrics({ region: 'us', service: 'test' });
    let refreshes = 0;
    let hang = false;
    const a = await createHttpApp({
      service: 'test',
      region: 'us',
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics,
      auth: secure,
      bodyLimit: 1024,
      beforeMetrics: async () => {
        refreshes++;
        if (hang) await new Promise(() => undefined); // a locked table: never answers
        metrics.pendingEvents.set(refreshes);
      },
    });
    const quick = await a.inject({ method: 'GET', url: '/metrics' });
    expect(quick.body).toMatch(/concord_pending_events\{[^}]*\} 1/);
    hang = true;
    const started = performance.now();
    const stuck = await a.inject({ method: 'GET', url: '/metrics' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(stuck.statusCode).toBe(200);
    expect(stuck.body).toMatch(/concord_pending_events\{[^}]*\} 1/); // the last value
    await a.close();
  });
});
