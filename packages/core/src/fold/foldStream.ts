import type { StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { Reducer } from '../domain/DomainModule.js';
import { recomputeFrom } from './recomputeFrom.js';
import type { StreamFold } from './StreamFold.js';

export interface FoldStreamOptions {
  /** The stream id when `events` may be empty. */
  stream?: StreamId;
  /** Distance between checkpoints. Default 128. */
  checkpointEvery?: number;
}

/**
 * Folds a stream from scratch: the reference the incremental paths must equal, used by replay,
 * anti-entropy recomputes and tests. `events` is the stream's applied set, in any order
 * (duplicate ids ignored); it must be causally closed.
 *
 * @throws ConcordError INTERNAL (`details.reason: 'causal-gap'`) when a parent is missing; VALIDATION_FAILED when the events
 * belong to several streams.
 */
export function foldStream<S, E extends UnsignedEnvelope>(
  events: readonly E[],
  reducer: Reducer<S>,
  options: FoldStreamOptions = {},
): StreamFold<S, E> {
  const stream = options.stream ?? events[0]?.stream ?? '';
  for (const event of events) {
    if (event.stream !== stream) {
      throw new ConcordError(
        'VALIDATION_FAILED',
        `cannot fold events of ${event.stream} into ${stream}`,
        {
          details: { field: 'stream', stream, event: event.id },
        },
      );
    }
  }
  const initial = reducer.initialState();
  const ids = new Set(events.map((event) => event.id));
  for (const event of events) {
    for (const parent of event.parents) {
      if (!ids.has(parent)) {
        throw new ConcordError(
          'INTERNAL',
          `event ${event.id} has parent ${parent}, which is not in the set`,
          {
            details: { reason: 'causal-gap', event: event.id, missing: parent },
          },
        );
      }
    }
  }
  const result = recomputeFrom({
    stream,
    reducer,
    snapshot: { position: 0, state: initial },
    suffix: [],
    added: events,
    heads: [],
    ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
  });
  return {
    stream,
    state: result.state,
    heads: result.heads,
    version: result.version,
    order: result.order,
    noops: result.noops,
    idempotencyKeys: result.idempotencyKeys,
    checkpoints: [{ position: 0, state: initial }, ...result.checkpoints],
  };
}
