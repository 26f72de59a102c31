import { createRequire } from 'node:module';
import fc from 'fast-check';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConcordError } from '@concord/core';
import { classifyProduceFailure, produceError, type ProduceStage } from './produceOutcome.js';

// The broker's error responses as kafkajs builds them (its own protocol error table).
const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error & { type: string; retriable: boolean };
};
const broker = (code: number) => createErrorFromCode(code);
// Exported by kafkajs at runtime, missing from (or narrower in) its type declarations.
type ErrorClass = new (message: string) => Error;
const { KafkaJSConnectionClosedError, KafkaJSSASLAuthenticationError } = require('kafkajs') as {
  KafkaJSConnectionClosedError: ErrorClass;
  KafkaJSSASLAuthenticationError: ErrorClass;
};
const REQUEST_TIMED_OUT = 7;
const NOT_LEADER_OR_FOLLOWER = 6;
const NETWORK_EXCEPTION = 13;
const NOT_ENOUGH_REPLICAS = 19;
const NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
const TOPIC_AUTHORIZATION_FAILED = 29;

/** What kafkajs's retrier throws once `retries` attempts failed with `last`. */
const retriesExceeded = (last: Error, retryCount = 2) =>
  new KafkaJSNumberOfRetriesExceeded(last, { retryCount, retryTime: 400 });

const inRequest: [string, Error][] = [
  ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0) timed out')],
  ['a connection closed after send', new KafkaJSConnectionClosedError('Closed connection')],
  [
    'a reset socket (rejects requests in flight)',
    new KafkaJSConnectionError('Connection error: read ECONNRESET'),
  ],
  ['REQUEST_TIMED_OUT', broker(REQUEST_TIMED_OUT)],
  ['NETWORK_EXCEPTION', broker(NETWORK_EXCEPTION)],
  ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', broker(NOT_ENOUGH_REPLICAS_AFTER_APPEND)],
  // The last attempt's error says nothing of the earlier attempts of the same request.
  ['NOT_ENOUGH_REPLICAS after retries', retriesExceeded(broker(NOT_ENOUGH_REPLICAS))],
  ['NOT_LEADER_OR_FOLLOWER after retries', retriesExceeded(broker(NOT_LEADER_OR_FOLLOWER))],
  [
    'a refused connection after retries',
    retriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')),
  ],
  ['a bailed broker refusal', new KafkaJSNonRetriableError(broker(TOPIC_AUTHORIZATION_FAILED))],
  [
    'the producer deadline',
    new ConcordError('OUTCOME_UNKNOWN', 'no acknowledgement within 3000 ms'),
  ],
  ['anything else', new TypeError('boom')],
];

describe('classifyProduceFailure', () => {
  it.each(inRequest)('%s once kafkajs has the batch is unknown', (_, error) => {
    expect(classifyProduceFailure(error, 'in-request').outcome).toBe('unknown');
    const mapped = produceError(error, 'in-request');
    expect(mapped.code).toBe('OUTCOME_UNKNOWN');
    expect(mapped.retriable).toBe(true);
    expect(mapped.details).toMatchObject({ stage: 'in-request', ambiguous: true });
  });

  it('names the kafkajs errors along the causes, and the attempts', () => {
    const failure = classifyProduceFailure(
      retriesExceeded(broker(NOT_ENOUGH_REPLICAS_AFTER_APPEND), 2),
      'in-request',
    );
    expect(failure.chain).toEqual([
      'KafkaJSNumberOfRetriesExceeded',
      'KafkaJSProtocolError',
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    ]);
    expect(failure.attempts).toBe(3);
  });

  it('is definite before any produce request: a failed connect, a withdrawn record', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    for (const stage of ['queued', 'connecting'] as const) {
      expect(classifyProduceFailure(refused, stage).outcome).toBe('definite');
      const mapped = produceError(refused, stage);
      expect(mapped.code).toBe('BUS_UNAVAILABLE');
      expect(mapped.details).toMatchObject({ stage, ambiguous: false });
    }
  });

  it('keeps what a definite failure means (credentials, ACLs)', () => {
    const sasl = new KafkaJSSASLAuthenticationError('SASL SCRAM-SHA-512 authentication failed');
    expect(produceError(sasl, 'connecting').code).toBe('UNAUTHORIZED');
    expect(produceError(broker(TOPIC_AUTHORIZATION_FAILED), 'connecting').code).toBe('FORBIDDEN');
    // The same refusal once the request may have gone out proves nothing about the record.
    expect(produceError(broker(TOPIC_AUTHORIZATION_FAILED), 'in-request').code).toBe(
      'OUTCOME_UNKNOWN',
    );
  });

  it('a cyclic cause chain terminates', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyProduceFailure(a, 'in-request').chain).toEqual([]);
  });

  it('property: unknown exactly when the batch reached kafkajs, whatever the error', () => {
    const stages = fc.constantFrom<ProduceStage>('queued', 'connecting', 'in-request');
    const errors = fc.oneof(
      fc.constantFrom(...inRequest.map(([, e]) => e)),
      fc.integer({ min: -1, max: 120 }).map((code) => broker(code)),
      fc.anything(),
    );
    fc.assert(
      fc.property(errors, stages, (error, stage) => {
        const { outcome } = classifyProduceFailure(error, stage);
        expect(outcome).toBe(stage === 'in-request' ? 'unknown' : 'definite');
        const mapped = produceError(error, stage);
        expect(mapped.code === 'OUTCOME_UNKNOWN').toBe(stage === 'in-request');
        expect(mapped.details?.ambiguous).toBe(stage === 'in-request');
      }),
    );
  });
});

describe('produceError on values that are not errors', () => {
  it('answers a ConcordError even when the thrown value cannot be turned into a string', () => {
    // Found by the property test: String() throws on an object whose toString is not callable.
    for (const thrown of [{ toString: '' }, Object.create(null), 42, undefined]) {
      for (const stage of ['queued', 'connecting', 'in-request'] as const) {
        expect(produceError(thrown, stage)).toBeInstanceOf(ConcordError);
      }
    }
    // A message that is not text either (found by the property test: a definite failure).
    expect(produceError({ message: Object.create(null) }, 'queued').code).toBe('BUS_UNAVAILABLE');
  });
});
