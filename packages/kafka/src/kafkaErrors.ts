import { ConcordError } from '@concord/core';

/**
 * kafkajs error names (and broker error types) mapped to Concord codes. Everything that
 * means "the bus is not reachable or not ready right now" is BUS_UNAVAILABLE (retriable).
 */
const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNonRetriableError',
  'KafkaJSTimeout',
  'KafkaJSStaleTopicMetadataAssignment',
]);

const UNAVAILABLE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'KAFKA_STORAGE_ERROR',
]);

/** Refused credentials (wrong SCRAM user or password): retrying will not help. */
const UNAUTHENTICATED_NAMES = new Set(['KafkaJSSASLAuthenticationError']);

/** Authenticated but not allowed (the broker's ACLs). */
const FORBIDDEN_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/**
 * True when a timeout means the request may still have reached the broker: the outcome is
 * unknown, not failed. A refused or reset connection before sending is a definite failure.
 */
function isAmbiguous(error: { name?: string; cause?: unknown; originalError?: unknown }): boolean {
  const chain: unknown[] = [error, error.cause, error.originalError];
  return chain.some(
    (e) =>
      typeof e === 'object' &&
      e !== null &&
      ['KafkaJSRequestTimeoutError', 'KafkaJSTimeout'].includes(
        (e as { name?: string }).name ?? '',
      ),
  );
}

/**
 * A thrown value as text, whatever it is: String() throws on an object whose toString is not
 * callable (a null-prototype object, found by the property test of produceOutcome).
 */
export function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return JSON.stringify(value) ?? typeof value;
    } catch {
      return typeof value;
    }
  }
}

/** Maps any kafkajs failure to a ConcordError with the original as cause. */
export function mapKafkaError(error: unknown, context = 'kafka'): ConcordError {
  if (error instanceof ConcordError) return error;
  const e = (error ?? {}) as {
    name?: string;
    type?: string;
    message?: string;
    retriable?: boolean;
  };
  const message = `${context}: ${typeof e.message === 'string' ? e.message : describeThrown(error)}`;
  if (e.name !== undefined && UNAUTHENTICATED_NAMES.has(e.name)) {
    return new ConcordError('UNAUTHORIZED', message, {
      cause: error,
      retriable: false,
      details: { kafkaError: e.name },
    });
  }
  if (e.type !== undefined && FORBIDDEN_TYPES.has(e.type)) {
    return new ConcordError('FORBIDDEN', message, {
      cause: error,
      retriable: false,
      details: { kafkaError: e.type },
    });
  }
  const unavailable =
    (e.name !== undefined && UNAVAILABLE_NAMES.has(e.name)) ||
    (e.type !== undefined && UNAVAILABLE_TYPES.has(e.type)) ||
    e.retriable === true;
  if (unavailable) {
    return new ConcordError('BUS_UNAVAILABLE', message, {
      cause: error,
      details: { kafkaError: e.name ?? e.type, ambiguous: isAmbiguous(e as never) },
    });
  }
  return new ConcordError('INTERNAL', message, {
    cause: error,
    retriable: false,
    details: { kafkaError: e.name ?? e.type },
  });
}
