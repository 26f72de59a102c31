import { ConcordError } from '@concord/core';

/** Any Redis failure is CACHE_UNAVAILABLE: Redis only accelerates, callers fall back. */
export function mapRedisError(error: unknown, context = 'redis'): ConcordError {
  if (error instanceof ConcordError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConcordError('CACHE_UNAVAILABLE', `${context}: ${message}`, { cause: error });
}

/** True when the client can take commands right now. */
export function isRedisReady(client: { status: string }): boolean {
  return client.status === 'ready';
}
