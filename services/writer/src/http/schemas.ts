// Brings @fastify/swagger's route-schema fields (summary, tags, security) into FastifySchema.
import type {} from '@fastify/swagger';
import { ENVELOPE_LIMITS, STREAM_PATTERN, UUID_PATTERN } from '@concord/core';

/**
 * JSON schemas of the writer's routes: fastify validates requests with them and
 * @fastify/swagger turns them into `/v1/openapi.json`. The append path validates again in
 * `parseAppendCommand` (rules a schema cannot say: reserved types, nesting, Unicode), so both
 * agree on what is valid.
 *
 * This file holds what several route families share; the bodies and answers of each family are
 * in appendSchemas.ts, readSchemas.ts and adminSchemas.ts.
 */

export const eventId = {
  type: 'string',
  pattern: UUID_PATTERN.source,
  description: 'Event id (UUID)',
};

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

/** Error responses every route may give. */
export const errorResponses = {
  '4xx': errorBody,
  '5xx': errorBody,
} as const;
