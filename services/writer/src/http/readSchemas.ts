import { envelope, eventId, streamParams } from './schemas.js';

/** Queries, bodies and answers of the read routes (JSON schemas, see schemas.ts). */

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
