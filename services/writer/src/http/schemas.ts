// Brings @fastify/swagger's route-schema fields (summary, tags, security) into FastifySchema.
import type {} from '@fastify/swagger';
import { ENVELOPE_LIMITS, STREAM_PATTERN, TYPE_PATTERN, UUID_PATTERN } from '@concord/core';
import { MAX_EXPECTED_HEADS } from '../append/AppendCommand.js';

/**
 * JSON schemas of the writer's routes: fastify validates requests with them and
 * @fastify/swagger turns them into `/v1/openapi.json`. The append path validates again in
 * `parseAppendCommand` (rules a schema cannot say: reserved types, nesting, Unicode), so both
 * agree on what is valid.
 */

const eventId = { type: 'string', pattern: UUID_PATTERN.source, description: 'Event id (UUID)' };

export const streamParams = {
  type: 'object',
  required: ['stream'],
  additionalProperties: false,
  properties: {
    stream: {
      type: 'string',
      minLength: 1,
      maxLength: ENVELOPE_LIMITS.streamMaxLength,
      pattern: STREAM_PATTERN.source,
      description: 'Stream id; its category is the text before the first `-` or `:`',
    },
  },
} as const;

const appendFields = {
  type: {
    type: 'string',
    minLength: 1,
    maxLength: ENVELOPE_LIMITS.typeMaxLength,
    pattern: TYPE_PATTERN.source,
    description: 'Event type; the `concord.` prefix is reserved (400 RESERVED_TYPE)',
  },
  data: { type: 'object', additionalProperties: true, description: 'Event data (JSON object)' },
  idempotencyKey: {
    type: 'string',
    minLength: 1,
    maxLength: ENVELOPE_LIMITS.idempotencyKeyMaxLength * 2,
    description:
      'At most 200 characters, scoped to the stream. The same key with the same payload answers 200 with the first event; with another payload 422 IDEMPOTENCY_KEY_REUSED.',
  },
  expectedHeads: {
    type: 'array',
    maxItems: MAX_EXPECTED_HEADS,
    items: eventId,
    description:
      'Optimistic concurrency: the heads the client expects (compared as a set with the current heads, own unprojected events included); 409 EXPECTED_HEADS_MISMATCH otherwise. `[]` means "only if the stream is new".',
  },
  causedBy: { ...eventId, description: 'An event (of any stream) to be applied first' },
} as const;

export const appendBody = {
  type: 'object',
  required: ['type', 'data'],
  additionalProperties: false,
  properties: appendFields,
} as const;

export const batchBody = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      // maxItems is set from config.limits.maxBatchItems when the route is registered.
      description:
        'Appends to any streams. Items of one stream are appended in array order; each item gets its own result.',
      items: {
        type: 'object',
        required: ['stream', 'type', 'data'],
        additionalProperties: false,
        properties: { stream: streamParams.properties.stream, ...appendFields },
      },
    },
  },
} as const;

export const envelope = {
  type: 'object',
  description: 'A signed envelope v1 (docs/semantics.md §1, docs/envelope.schema.json)',
  required: ['v', 'id', 'stream', 'type', 'data', 'origin', 'hlc', 'parents', 'meta', 'sig'],
  properties: {
    v: { type: 'integer', enum: [1] },
    id: { type: 'string' },
    stream: { type: 'string' },
    type: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    origin: { type: 'string' },
    hlc: {
      type: 'object',
      required: ['wall', 'logical'],
      properties: { wall: { type: 'integer' }, logical: { type: 'integer' } },
    },
    parents: { type: 'array', items: { type: 'string' } },
    causedBy: { type: 'string' },
    idempotencyKey: { type: 'string' },
    meta: {
      type: 'object',
      additionalProperties: true,
      description: 'signedBy, acceptedAt, payloadHash, traceparent, requestId',
    },
    sig: { type: 'string' },
  },
} as const;

export const errorBody = {
  type: 'object',
  description: 'An error with a stable code',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

/** A session token (docs/writer.md, "Sessions"); also sent as the `Concord-Session` header. */
export const sessionToken = {
  type: 'string',
  description:
    'Session token covering this write and everything the request’s own `Concord-Session` token covered. Send it as `Concord-Session` on later reads and appends, in any region.',
} as const;

/** The `Concord-Session` request header, accepted by every append and read. */
export const sessionHeader = {
  'concord-session': {
    type: 'string',
    description:
      'A session token from an earlier answer (any region of this deployment). Reads wait until this region applied everything it covers (else 503 SESSION_NOT_CAUGHT_UP); appends extend it. Malformed, forged, foreign or future tokens: 400 SESSION_INVALID.',
  },
} as const;

/** The answer of the merge route (no session: reconcilers are not client sessions). */
export const mergeResult = {
  type: 'object',
  required: ['event', 'duplicate'],
  properties: { event: envelope, duplicate: { type: 'boolean' } },
} as const;

export const appendResult = {
  type: 'object',
  required: ['event', 'duplicate', 'session'],
  properties: { event: envelope, duplicate: { type: 'boolean' }, session: sessionToken },
} as const;

export const batchResult = {
  type: 'object',
  required: ['results', 'session'],
  properties: {
    session: {
      ...sessionToken,
      description:
        'Session token covering every appended (or duplicate) item and the incoming session; also the `Concord-Session` header.',
    },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'integer', description: '201, 200 (duplicate) or the error status' },
          event: envelope,
          duplicate: { type: 'boolean' },
          error: errorBody.properties.error,
        },
      },
    },
  },
} as const;

export const streamQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: {
      ...eventId,
      description: 'Read-your-writes: wait until this event is applied in this region',
    },
    waitMs: {
      type: 'string',
      pattern: '^[0-9]{1,6}$',
      description:
        'How long to wait for `after` and for the `Concord-Session` token, in ms (default 5000, at most 30000). On timeout the answer says `after.applied: false`; a session not caught up by then is 503 SESSION_NOT_CAUGHT_UP.',
    },
  },
} as const;

export const streamView = {
  type: 'object',
  required: ['stream', 'state', 'heads', 'version', 'openConflicts', 'pending', 'region'],
  properties: {
    stream: { type: 'string' },
    state: { description: 'The folded state (any JSON value; an object for the shipped domains)' },
    heads: { type: 'array', items: { type: 'string' } },
    version: { type: 'integer', description: 'Number of applied events' },
    openConflicts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          heads: { type: 'array', items: { type: 'string' } },
          policy: { type: 'string' },
          contestedFields: { type: 'array', items: { type: 'string' } },
          detectedAt: { type: 'string' },
        },
      },
    },
    pending: { type: 'integer', description: 'Events of the stream parked by the causal gate' },
    region: { type: 'string' },
    after: {
      type: 'object',
      description:
        'Only with `?after=`: whether that event is applied here (false: the wait timed out, the state may not include it)',
      properties: {
        id: { type: 'string' },
        applied: { type: 'boolean' },
        waitedMs: { type: 'integer' },
      },
    },
  },
} as const;

export const batchReadBody = {
  type: 'object',
  required: ['streams'],
  additionalProperties: false,
  properties: {
    streams: {
      type: 'array',
      minItems: 1,
      // maxItems is set from the writer's batchReadMax when the route is registered.
      description: 'The streams to read; a stream named twice is answered once.',
      items: streamParams.properties.stream,
    },
  },
} as const;

export const batchReadResult = {
  type: 'object',
  required: ['region', 'streams', 'missing'],
  properties: {
    region: { type: 'string' },
    streams: {
      type: 'array',
      description: 'The views of the known streams, in request order (no `region` of their own)',
      items: { ...streamView, required: streamView.required.filter((f) => f !== 'region') },
    },
    missing: {
      type: 'array',
      items: { type: 'string' },
      description: 'The asked streams this region has no applied event of, in request order',
    },
  },
} as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: {
      type: 'string',
      pattern: '^[0-9]{1,9}$',
      description: 'Fold position to start at (default 0)',
    },
    limit: {
      type: 'string',
      pattern: '^[0-9]{1,4}$',
      description: 'Events per page (default 100, 1–1000)',
    },
    waitMs: {
      type: 'string',
      pattern: '^[0-9]{1,6}$',
      description:
        'How long to wait for the `Concord-Session` token to be caught up, in ms (default 5000, at most 30000).',
    },
  },
} as const;

export const eventsPage = {
  type: 'object',
  required: ['stream', 'version', 'from', 'events', 'next'],
  properties: {
    stream: { type: 'string' },
    version: { type: 'integer' },
    from: { type: 'integer' },
    events: { type: 'array', items: envelope },
    next: {
      type: ['integer', 'null'],
      description: 'The `from` of the next page, null at the end',
    },
  },
} as const;

export const fenceBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000 } },
} as const;

export const fenceStatus = {
  type: 'object',
  required: ['fenced', 'region'],
  properties: {
    fenced: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    updatedBy: { type: ['string', 'null'] },
    updatedAt: { type: ['string', 'null'] },
    region: { type: 'string' },
  },
} as const;

/** Error responses every route may give. */
export const errorResponses = {
  '4xx': errorBody,
  '5xx': errorBody,
} as const;
