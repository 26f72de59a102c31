/**
 * @concord/redis — the Redis adapter. Redis only accelerates Concord (idempotency fast path,
 * per-stream write serialisation, heads cache); every helper fails fast with
 * CACHE_UNAVAILABLE so callers can fall back to Postgres and Kafka.
 */
export { createRedis, type CreateRedisOptions } from './createRedis.js';
export { JsonCache } from './JsonCache.js';
export { isRedisReady, mapRedisError } from './redisErrors.js';
export { StreamLock, type HeldLock, type LockOptions } from './StreamLock.js';
export type { Redis } from 'ioredis';
