import { envelope } from './schemas.js';

/** Bodies and answers of the admin routes: merges and the fence (JSON schemas, see schemas.ts). */

/** The answer of the merge route (no session: reconcilers are not client sessions). */
export const mergeResult = {
  type: 'object',
  required: ['event', 'duplicate'],
  properties: { event: envelope, duplicate: { type: 'boolean' } },
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
