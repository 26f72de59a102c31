import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope, EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { addToEventSetSum, EMPTY_SET_SUM } from '../digests/setSum.js';
import { stateHash } from '../digests/streamDigest.js';
import type { Reducer } from '../domain/DomainModule.js';
import {
  causalOrder,
  historyArbitrary,
  split,
  STREAMS,
  testRegistry,
} from '../testing/historyArbitrary.fixtures.js';
import {
  foldOutcome,
  keysUsed,
  planFold,
  type StreamFoldRow,
  type SuffixEvent,
} from './foldPlan.js';
import { foldStream } from './foldStream.js';
import type { Checkpoint } from './StreamFold.js';

/*
 * The fold plan against an in-memory stand-in for the store: whatever causal order and
 * batching the events of a stream arrive in, the stored order, no-op flags, checkpoints and
 * row equal the fold from scratch, and the fast path never moves a stored event.
 */

const EVERY = 3;
const paths = { fast: 0, slow: 0 };

interface MemoryStream {
  order: Envelope[];
  noops: Set<EventId>;
  checkpoints: Checkpoint<unknown>[];
  row: StreamFoldRow | undefined;
  applied: Map<EventId, { position: number }>;
}

const signed = (e: UnsignedEnvelope): Envelope => ({ ...e, sig: '' });
const candidate = (envelope: Envelope) => ({
  id: envelope.id,
  parents: envelope.parents,
  stream: envelope.stream,
  envelope,
});

/** One transaction of one stream: load what the plan asks for, fold, write the outcome. */
function applyBatch(store: MemoryStream, batch: readonly Envelope[], reducer: Reducer<unknown>) {
  const stream = batch[0]!.stream;
  const version = store.row?.version ?? 0;
  const plan = planFold(stream, batch.map(candidate), store.row, store.applied);
  expect(plan.bound).toBeLessThanOrEqual(version);
  paths[plan.fast ? 'fast' : 'slow']++;
  const stored = [...store.checkpoints].reverse().find((c) => c.position <= plan.bound);
  const snapshot = plan.fast
    ? store.row
      ? { position: store.row.version, state: store.row.state }
      : { position: 0, state: reducer.initialState() }
    : (stored ?? { position: 0, state: reducer.initialState() });
  const suffix: SuffixEvent[] = plan.fast
    ? []
    : store.order.slice(snapshot.position).map((envelope, i) => ({
        envelope,
        position: snapshot.position + i,
        noop: store.noops.has(envelope.id),
      }));
  const used = new Set(keysUsed(plan, suffix));
  const takenKeys = new Map<string, EventId>();
  store.order.slice(0, snapshot.position).forEach((e) => {
    const key = e.idempotencyKey;
    if (key !== undefined && used.has(key) && !store.noops.has(e.id)) takenKeys.set(key, e.id);
  });
  const outcome = foldOutcome({
    plan,
    reducer,
    snapshot,
    suffix,
    takenKeys,
    checkpointEvery: EVERY,
  });
  if (plan.fast) {
    expect(outcome.moves).toEqual([]);
    expect(outcome.from).toBe(version);
  }
  const order: Envelope[] = store.order.slice(0, outcome.from);
  for (const s of suffix) {
    const move = outcome.moves.find((m) => m.id === s.envelope.id);
    order[move?.position ?? s.position] = s.envelope;
    if (move?.noop ?? s.noop) store.noops.add(s.envelope.id);
    else store.noops.delete(s.envelope.id);
  }
  for (const i of outcome.inserts) {
    expect(i.position).toBeGreaterThanOrEqual(outcome.from);
    order[i.position] = i.candidate.envelope;
    if (i.noop) store.noops.add(i.candidate.id);
  }
  expect(order.length).toBe(outcome.version);
  store.order = order;
  order.forEach((e, position) => store.applied.set(e.id, { position }));
  const kept = plan.fast
    ? store.checkpoints
    : store.checkpoints.filter((c) => c.position <= outcome.from);
  const replaced = new Set(outcome.checkpoints.map((c) => c.position));
  store.checkpoints = [
    ...kept.filter((c) => !replaced.has(c.position)),
    ...outcome.checkpoints,
  ].sort((a, b) => a.position - b.position);
  store.row = {
    stream,
    state: outcome.state,
    heads: outcome.heads,
    version: outcome.version,
    idsHash: outcome.idsHash,
    stateHash: outcome.stateHash,
    bucket: outcome.bucket,
  };
}

describe('fold plan', () => {
  it('any causal order and batching: the stored fold equals the fold from scratch', () => {
    const registry = testRegistry();
    fc.assert(
      fc.property(historyArbitrary({ maxOps: 30 }), fc.gen(), ({ events }, g) => {
        for (const stream of STREAMS) {
          const own = events.filter((e) => e.stream === stream);
          if (own.length === 0) continue;
          const reducer = registry.forStream(stream).reducer;
          const store: MemoryStream = {
            order: [],
            noops: new Set(),
            checkpoints: [],
            row: undefined,
            applied: new Map(),
          };
          for (const batch of split(g, causalOrder(g, own), 4)) {
            applyBatch(store, batch.map(signed), reducer);
          }
          const fold = foldStream(own, reducer, { stream, checkpointEvery: EVERY });
          expect(store.order.map((e) => e.id)).toEqual(fold.order.map((e) => e.id));
          expect([...store.noops].sort()).toEqual([...fold.noops].sort());
          // Every checkpoint past the start is stored, and each stored one is the fold's (the
          // initial state at 0 needs none).
          expect(store.checkpoints.filter((c) => c.position > 0)).toEqual(
            fold.checkpoints.filter((c) => c.position > 0),
          );
          for (const c of store.checkpoints) expect(fold.checkpoints).toContainEqual(c);
          expect(store.row).toMatchObject({
            state: fold.state,
            heads: fold.heads,
            version: fold.version,
            idsHash: addToEventSetSum(
              EMPTY_SET_SUM,
              own.map((e) => e.id),
            ),
            stateHash: stateHash(fold.state),
          });
        }
      }),
      { numRuns: 60 },
    );
    expect(paths.fast).toBeGreaterThan(0);
    expect(paths.slow).toBeGreaterThan(0);
  });
});
