import { ENVELOPE_LIMITS, TYPE_PATTERN } from '@concord/core';
import { MAX_EXPECTED_HEADS } from '../append/AppendCommand.js';
import { envelope, errorBody, eventId, sessionToken, streamParams } from './schemas.js';

/** Bodies and answers of the append routes (JSON schemas, see schemas.ts). */

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
