import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { ERROR_CODES } from '@concord/core';
import type { RunningWriter } from '../startWriter.js';
import {
  ADMIN_TOKEN,
  API_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * 5,000 random and malformed requests against a real writer: whatever arrives, the answer is a
 * 2xx or a 4xx with a JSON error body and a stable code, never a 5xx, and the process lives on.
 */
let config: ConcordConfig;
let writer: RunningWriter;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  writer = await startTestWriter(config);
});

afterAll(async () => {
  await writer?.close();
  await cleanup(config);
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const latin1 = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 60,
});

const stream = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(
      fc.constantFrom('s-1', 'account-1', 'cart-1', 'profile-1', 'a:b@c.d_e-f', 'x'.repeat(200)),
      fc.stringMatching(/^(account|cart|profile|s)-[A-Za-z0-9._:@-]{0,12}$/),
    ),
  },
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom(
        '',
        '-x',
        '.',
        '..',
        'a/b',
        'a%2Fb',
        'x'.repeat(201),
        'x'.repeat(2000),
        ' ',
        '😀',
      ),
    ),
  },
);

const anyJson = fc.jsonValue({ maxDepth: 4 });
const junk = fc.oneof(
  anyJson,
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
);

/** Something shaped like an append, with any field missing, mistyped or odd. */
/** A valid append body… */
const validAppend = fc.record(
  {
    type: fc.constantFrom(
      'T',
      'ProfileUpdated',
      'Opened',
      'Deposited',
      'Withdrawn',
      'ItemAdded',
      'ItemRemoved',
    ),
    data: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 6 }),
      fc.record({ amount: fc.integer({ min: -5, max: 100 }) }),
      fc.record({ sku: fc.constantFrom('a', 'b'), quantity: fc.integer({ min: 0, max: 3 }) }),
    ),
    idempotencyKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    expectedHeads: fc.constant([]),
    causedBy: fc.uuid({ version: 7 }),
  },
  { requiredKeys: ['type', 'data'] },
);

type Body = Record<string, unknown>;
/** … with at most one thing wrong. */
const mutation: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  { weight: 6, arbitrary: fc.constant((b: Body) => b) },
  fc
    .tuple(fc.constantFrom('type', 'data', 'idempotencyKey', 'expectedHeads', 'causedBy'), junk)
    .map(([key, value]) => (b: Body) => ({ ...b, [key]: value })),
  fc.constantFrom('type', 'data').map((key) => (b: Body) => {
    const copy = { ...b };
    delete copy[key];
    return copy;
  }),
  fc.constantFrom('concord.merge', 'concord.x').map((type) => (b: Body) => ({ ...b, type })),
  junk.map((extra) => (b: Body) => ({ ...b, extra })),
  fc
    .string({ unit: 'grapheme', minLength: 201, maxLength: 260 })
    .map((key) => (b: Body) => ({ ...b, idempotencyKey: key })),
  fc
    .array(fc.oneof(fc.uuid(), fc.string()), { minLength: 1, maxLength: 3 })
    .map((heads) => (b: Body) => ({ ...b, expectedHeads: heads })),
);

const appendLike = fc.tuple(validAppend, mutation).map(([body, mutate]) => mutate(body));

const batchItem = fc.tuple(appendLike, stream).map(([fields, s]) => ({ stream: s, ...fields }));

const deep = fc.integer({ min: 60, max: 200 }).map((depth) => {
  let text = '1';
  for (let i = 0; i < depth; i++) text = `{"d":${text}}`;
  return `{"type":"T","data":${text}}`;
});

const body = fc.oneof(
  { weight: 5, arbitrary: appendLike.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '{', '{"type":', 'null', '[]', '{"__proto__":{"x":1}}'),
  },
  { weight: 1, arbitrary: deep },
  {
    weight: 1,
    arbitrary: fc
      .record({ events: fc.array(batchItem, { maxLength: 8 }) })
      .map((v) => JSON.stringify(v)),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(600_000, 1_100_000)
      .map((n) => JSON.stringify({ type: 'T', data: { pad: 'x'.repeat(n) } })),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/merge-patch+json',
  undefined,
);

const authorization = fc.oneof(
  { weight: 16, arbitrary: fc.constant(`Bearer ${API_TOKEN}`) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      `Bearer ${ADMIN_TOKEN}`,
      'Bearer ',
      'Bearer wrong-token-000000000000',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `bearer ${API_TOKEN}`,
      undefined,
    ),
  },
);

const request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    route: fc.constantFrom(
      'append',
      'append',
      'append',
      'batch',
      'read',
      'events',
      'fence',
      'random',
    ),
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    stream,
    query: fc.oneof(
      fc.constant(''),
      fc.constantFrom('?after=nope', '?waitMs=-1', '?limit=0', '?from=abc', '?limit=99999', '?x=1'),
      fc
        .tuple(fc.uuid(), fc.constantFrom('0', '1', '30001', 'x'))
        .map(([id, w]) => `?after=${id}&waitMs=${w}`),
      latin1.map((s) => `?${encodeURIComponent(s)}`),
    ),
    randomPath: fc.oneof(
      latin1.map((s) => `/${encodeURIComponent(s)}`),
      fc.constantFrom(
        '/v1/streams/%zz/events',
        '/v1/streams/%E0%A4%A/events',
        '/v1/streams/a%00b',
        '/v1/streams//events',
        '/v1/streams',
        '/v1/admin',
        '/v1/openapi.json',
        '/metrics',
      ),
    ),
    body,
    appendBody: appendLike.map((v) => JSON.stringify(v)),
    batchBody: fc
      .record({ events: fc.array(batchItem, { maxLength: 8 }) })
      .map((v) => JSON.stringify(v)),
    typical: fc.boolean(),
    contentType,
    authorization,
    idempotencyKey: fc.option(latin1, { freq: 8, nil: undefined }),
    requestId: fc.option(latin1, { nil: undefined }),
    traceparent: fc.option(
      fc.oneof(latin1, fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const s = encodeURIComponent(r.stream);
    let method = r.method;
    let path: string;
    let body = r.body;
    // Half the requests to the append routes are typical: JSON, the right shape, maybe one
    // thing wrong; the other half anything at all.
    let contentType = r.contentType;
    switch (r.route) {
      case 'append':
        method = 'POST';
        path = `/v1/streams/${s}/events`;
        if (r.typical) [body, contentType] = [r.appendBody, 'application/json'];
        break;
      case 'batch':
        method = 'POST';
        path = '/v1/events';
        if (r.typical) [body, contentType] = [r.batchBody, 'application/json'];
        break;
      case 'read':
        method = 'GET';
        path = `/v1/streams/${s}${r.query}`;
        break;
      case 'events':
        method = 'GET';
        path = `/v1/streams/${s}/events${r.query}`;
        break;
      case 'fence':
        path = '/v1/admin/fence';
        break;
      default:
        path = r.randomPath;
    }
    let auth = r.authorization;
    // Setting the fence would (rightly) turn appends into 503s: the fuzz never holds the
    // admin token on the fence route.
    if (r.route === 'fence' && auth === `Bearer ${ADMIN_TOKEN}`) auth = `Bearer ${API_TOKEN}`;
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.authorization = auth;
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
    if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
    if (r.traceparent !== undefined) headers.traceparent = r.traceparent;
    const withBody = method !== 'GET';
    return { method, path, headers, ...(withBody ? { body } : {}) };
  });

async function send(base: string, r: FuzzRequest) {
  const response = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers: r.headers,
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  const text = await response.text();
  return { status: response.status, text };
}

describe('fuzz', () => {
  it('answers 5,000 random and malformed requests with 2xx or 4xx and a stable code, never 5xx', async () => {
    const requests = fc.sample(request, { numRuns: 5000, seed: 20261126 });
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    const bad: { request: FuzzRequest; status: number; text: string }[] = [];
    for (let i = 0; i < requests.length; i += 25) {
      const chunk = requests.slice(i, i + 25);
      const replies = await Promise.all(chunk.map((r) => send(writer.url, r)));
      replies.forEach((reply, j) => {
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        let ok = reply.status >= 200 && reply.status < 500;
        if (ok && reply.status >= 400) {
          try {
            const code = (JSON.parse(reply.text) as { error: { code: string } }).error.code;
            codes.add(code);
            ok = (ERROR_CODES as readonly string[]).includes(code);
          } catch {
            ok = false;
          }
        }
        if (!ok)
          bad.push({ request: { ...chunk[j]!, body: chunk[j]!.body?.slice(0, 300) }, ...reply });
      });
    }
    expect(bad.slice(0, 5)).toEqual([]);
    console.log('STATUSES', JSON.stringify([...statuses].sort()), [...codes].sort().join(','));
    // The mix really went through the error paths and into the append path.
    for (const status of [200, 201, 400, 401, 403, 404, 409, 413, 415, 422]) {
      expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
    }
    for (const code of ['VALIDATION_FAILED', 'RESERVED_TYPE', 'BAD_REQUEST', 'DOMAIN_REJECTED']) {
      expect(codes).toContain(code);
    }
    // Still alive and well.
    expect((await client(writer.url, null).get('/healthz')).status).toBe(200);
    expect((await client(writer.url).append('after-fuzz', { type: 'T', data: {} })).status).toBe(
      201,
    );
  });
});
