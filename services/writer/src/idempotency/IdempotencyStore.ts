import type { Envelope, StreamId } from '@concord/core';
import { isRedisReady, mapRedisError, type Redis } from '@concord/redis';
import type { LogPosition } from '../append/EventLog.js';

/** What a used idempotency key points to (and where the log holds it, when known). */
export interface IdempotencyRecord {
  readonly payloadHash: string;
  readonly event: Envelope;
  readonly position?: LogPosition | undefined;
}

const isOffset = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** A stored record with a position that is not one (another version, a hand edit) loses it. */
function checked(record: IdempotencyRecord): IdempotencyRecord {
  const p = record.position as Partial<LogPosition> | undefined;
  if (p === undefined || (isOffset(p.partition) && isOffset(p.offset))) return record;
  return { payloadHash: record.payloadHash, event: record.event };
}

/**
 * The Redis fast path of idempotency: `idem:{stream}:<key>` → `{payloadHash, event}`, written
 * only after the Kafka ack, kept `ttlMs`. Never the truth (the projection is): a miss means
 * "ask the projection", and Redis being down is a miss.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis | undefined,
    private readonly ttlMs: number,
  ) {}

  private key(stream: StreamId, key: string): string {
    // `{stream}` cannot contain braces, so stream and key never run into each other.
    return `idem:{${stream}}:${key}`;
  }

  async lookup(stream: StreamId, key: string): Promise<IdempotencyRecord | undefined> {
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return undefined;
    try {
      const raw = await redis.get(this.key(stream, key));
      return raw === null ? undefined : checked(JSON.parse(raw) as IdempotencyRecord);
    } catch {
      return undefined;
    }
  }

  async remember(stream: StreamId, key: string, record: IdempotencyRecord): Promise<void> {
    const redis = this.redis;
    if (!redis || !isRedisReady(redis)) return;
    try {
      await redis.set(this.key(stream, key), JSON.stringify(record), 'PX', this.ttlMs);
    } catch (error) {
      throw mapRedisError(error, 'idempotency');
    }
  }
}
