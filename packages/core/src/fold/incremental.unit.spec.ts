import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { UnsignedEnvelope } from '../envelope/Envelope.js';
import { mergePatchReducer } from '../domain/mergePatchDomain.js';
import { causalOrder, historyArbitrary, split } from '../testing/historyArbitrary.fixtures.js';
import { foldStream } from './foldStream.js';
import { recomputeFrom } from './recomputeFrom.js';
import { stablePrefixLength } from './stablePrefixLength.js';
import { StreamProjection } from './StreamProjection.js';
import type { StreamFold } from './StreamFold.js';

const STREAM = 'profile-1';
const paths = { fast: 0, slow: 0, slowFromMiddle: 0 };

const view = (fold: StreamFold<unknown>) => ({
  state: fold.state,
  heads: fold.heads,
  order: fold.order.map((e) => e.id),
  noops: fold.noops,
  keys: [...fold.idempotencyKeys].sort(),
  checkpoints: fold.checkpoints,
});

describe('incremental fold (property)', () => {
  const histories = historyArbitrary({ streams: [STREAM], maxOps: 60 });

  it('StreamProjection, in any causal batch split, equals foldStream after every batch', () => {
    fc.assert(
      fc.property(histories, fc.gen(), ({ events }, g) => {
        const every = g(fc.constantFrom, 1, 2, 3, 5, 128);
        const projection = new StreamProjection(STREAM, mergePatchReducer, {
          checkpointEvery: every,
        });
        const delivered: UnsignedEnvelope[] = [];
        for (const batch of split(g, causalOrder(g, events), 4)) {
          const update = projection.apply([...batch, ...batch.filter(() => g(fc.boolean))]);
          if (update.fastPath > 0) paths.fast++;
          if (update.recomputedFrom !== undefined) {
            paths.slow++;
            if (update.recomputedFrom > 0) paths.slowFromMiddle++;
          }
          delivered.push(...batch);
          const scratch = foldStream(delivered, mergePatchReducer, { checkpointEvery: every });
          expect(view(projection.toFold())).toEqual(view(scratch));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('recomputeFrom from ANY snapshot within the stable prefix equals the from-scratch suffix', () => {
    fc.assert(
      fc.property(histories, fc.gen(), ({ events }, g) => {
        const every = g(fc.constantFrom, 1, 2, 4);
        const order = causalOrder(g, events);
        const cut = g(fc.integer, { min: 0, max: order.length });
        const before = foldStream(order.slice(0, cut), mergePatchReducer, {
          checkpointEvery: every,
          stream: STREAM,
        });
        const added = order.slice(cut);
        const after = foldStream(order, mergePatchReducer, {
          checkpointEvery: every,
          stream: STREAM,
        });
        const positions = new Map(before.order.map((e, i) => [e.id, i]));
        const bound = stablePrefixLength(added, (id) => positions.get(id), before.version);
        // The snapshot rule itself: the prefix up to the bound is unchanged.
        expect(after.order.slice(0, bound).map((e) => e.id)).toEqual(
          before.order.slice(0, bound).map((e) => e.id),
        );
        const valid = before.checkpoints.filter((c) => c.position <= bound);
        const snapshot = valid[g(fc.integer, { min: 0, max: valid.length - 1 })]!;
        const prefixKeys = [...before.idempotencyKeys].filter(
          ([, id]) => (positions.get(id) as number) < snapshot.position,
        );
        const result = recomputeFrom({
          stream: STREAM,
          reducer: mergePatchReducer,
          snapshot: { ...snapshot, idempotencyKeys: prefixKeys },
          suffix: before.order.slice(snapshot.position),
          added,
          heads: before.heads,
          checkpointEvery: every,
        });
        expect(result.order.map((e) => e.id)).toEqual(
          after.order.slice(snapshot.position).map((e) => e.id),
        );
        expect(result.state).toEqual(after.state);
        expect(result.heads).toEqual(after.heads);
        expect(result.version).toBe(after.version);
        const suffixIds = new Set(result.order.map((e) => e.id));
        expect(result.noops).toEqual(after.noops.filter((id) => suffixIds.has(id)));
        expect([...result.idempotencyKeys].sort()).toEqual([...after.idempotencyKeys].sort());
        expect(result.checkpoints).toEqual(
          after.checkpoints.filter((c) => c.position > snapshot.position),
        );
      }),
      { numRuns: 1000 },
    );
  });

  afterAll(() => {
    // The properties must exercise both paths, including slow paths that keep a prefix.
    expect(paths.fast).toBeGreaterThan(100);
    expect(paths.slow).toBeGreaterThan(100);
    expect(paths.slowFromMiddle).toBeGreaterThan(10);
  });
});
