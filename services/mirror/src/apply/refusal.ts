import {
  ConcordError,
  type Envelope,
  type EventId,
  type Reducer,
  type UnsignedEnvelope,
} from '@concord/core';
import type { Rejection } from './ApplyTypes.js';

/**
 * Thrown out of an apply transaction when it failed because of one event's content, not the
 * store: the Applier refuses that event (DLQ, APPLY_REFUSED) and runs the transaction again
 * without it (docs/mirror.md, "Bad records").
 */
export class EventRefusal extends ConcordError {
  constructor(
    readonly event: EventId,
    readonly rejection: Rejection,
    cause?: unknown,
  ) {
    super('APPLY_REFUSED', rejection.message, {
      retriable: false,
      details: { event, ...(rejection.reason === undefined ? {} : { reason: rejection.reason }) },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** A reducer threw on an event that is not new in the transaction (see foldGuarded). */
export class ReducerFailure extends ConcordError {
  constructor(
    readonly event: UnsignedEnvelope | undefined,
    cause: unknown,
  ) {
    super(
      'APPLY_REFUSED',
      `the reducer threw on ${event ? `stored event ${event.id}` : 'the initial state'}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { retriable: false, details: { reason: 'reducer-threw' }, cause },
    );
  }
}

/** The rejection of an event whose reducer threw. */
export function reducerRejection(event: UnsignedEnvelope, error: unknown): Rejection {
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'APPLY_REFUSED',
    message: `the ${event.type} event ${event.id} cannot be folded into stream ${event.stream}: ${message}`,
    field: '$',
    reason: 'reducer-threw',
  };
}

/** The rejection of an event whose transaction Postgres refused for its data. */
export function storeRejection(
  event: Pick<Envelope, 'id' | 'stream'>,
  sqlstate: string | undefined,
  error: unknown,
): Rejection {
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'APPLY_REFUSED',
    message: `Postgres cannot store event ${event.id} of stream ${event.stream}: ${message}`,
    field: '$',
    reason: 'store-refused',
    ...(sqlstate === undefined ? {} : { sqlstate }),
  };
}

/**
 * Runs the fold of one stream with a reducer that remembers the event it was folding: when
 * the fold throws (the reducer, or the state it returned has no canonical form) and that event
 * is one of `added` (new in this transaction), the error becomes an {@link EventRefusal} of
 * it. A throw on an event stored earlier (re-folded in a new order) names no new event: it
 * becomes an APPLY_REFUSED {@link ReducerFailure}, and the Applier isolates by splitting.
 */
export function foldGuarded<T>(
  reducer: Reducer<unknown>,
  added: ReadonlySet<EventId>,
  fold: (reducer: Reducer<unknown>) => T,
): T {
  let current: UnsignedEnvelope | undefined;
  const tracking: Reducer<unknown> = {
    initialState: () => reducer.initialState(),
    evolve: (state, event) => {
      current = event;
      return reducer.evolve(state, event);
    },
  };
  try {
    return fold(tracking);
  } catch (error) {
    if (current !== undefined && added.has(current.id)) {
      throw new EventRefusal(current.id, reducerRejection(current, error), error);
    }
    throw new ReducerFailure(current, error);
  }
}
