import {
  buildMerge,
  DomainRegistry,
  domainSpec,
  foldStream,
  simulateHistory,
  StreamProjection,
  type SimulationOp,
  type UnsignedEnvelope,
} from '@concord/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDomains } from '../index.js';
import { ACCOUNT_EVENTS, accountDomain, type AccountState } from './accountDomain.js';

const spec = domainSpec(accountDomain, { stream: 'account-1' });
const opened = { type: ACCOUNT_EVENTS.opened };
const deposit = (amount: number) => ({ type: ACCOUNT_EVENTS.deposited, data: { amount } });
const withdraw = (amount: number) => ({ type: ACCOUNT_EVENTS.withdrawn, data: { amount } });

describe('account domain', () => {
  it('deposits and withdraws', () => {
    spec
      .given(opened, deposit(100))
      .when(withdraw(30))
      .then({ open: true, balance: 70, bounced: [], compensations: [] });
  });

  it('bounces a withdrawal that exceeds the balance (no debit, recorded)', () => {
    const run = spec.given(opened, deposit(10)).when(withdraw(11));
    run.then((state) => {
      expect(state.balance).toBe(10);
      expect(state.bounced).toEqual([{ id: run.events[2]!.id, amount: 11 }]);
    });
  });

  it('prepare rejects overdrafts, non-positive and non-integer amounts, closed accounts', () => {
    const given = spec.given(opened, deposit(50));
    given.prepare(withdraw(50)).then({ amount: 50, currency: 'EUR' });
    given.prepare(withdraw(51)).rejects('DOMAIN_REJECTED');
    given.prepare(deposit(0)).rejects('DOMAIN_REJECTED');
    given.prepare(deposit(-5)).rejects('DOMAIN_REJECTED');
    given.prepare(deposit(1.5)).rejects('DOMAIN_REJECTED');
    given
      .prepare({ type: ACCOUNT_EVENTS.deposited, data: { amount: '5' } })
      .rejects('DOMAIN_REJECTED');
    given.prepare(opened).rejects('DOMAIN_REJECTED');
    given.prepare({ type: 'Closed' }).rejects('DOMAIN_REJECTED');
    spec.given().prepare(deposit(5)).rejects('DOMAIN_REJECTED');
  });

  it('concurrent withdrawals: the later one in fold order bounces; the merge compensates it explicitly', () => {
    const stage = spec.given(opened, deposit(100)).concurrently([withdraw(70)], [withdraw(60)]);
    const [us, eu] = [stage.headOf(0), stage.headOf(1)];
    stage.thenState((state) => {
      expect(state.balance).toBe(30);
      expect(state.bounced).toEqual([{ id: eu, amount: 60 }]);
    });
    stage.thenConflict((conflict) => {
      expect(conflict?.policy).toBe('custom');
      expect(conflict?.contestedFields).toEqual(['/balance']);
    });
    const { merge } = buildMerge({
      events: stage.events,
      module: accountDomain,
      regions: ['us', 'eu', 'ap'],
    });
    expect(merge.data).toMatchObject({
      policy: 'custom',
      compensations: [{ withdrawal: eu, amount: 60 }],
    });
    stage.thenMerged((state: AccountState) => {
      expect(state.balance).toBe(30);
      expect(state.compensations).toEqual([{ withdrawal: eu, amount: 60, merge: merge.id }]);
    });
    expect(us).not.toBe(eu);
  });
});

const registry = new DomainRegistry(defaultDomains);
const STREAMS = ['account-1', 'account-2'];

const randomOp: fc.Arbitrary<SimulationOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      region: fc.nat(3),
      stream: fc.nat(1),
      type: fc.constantFrom(
        ACCOUNT_EVENTS.deposited,
        ACCOUNT_EVENTS.withdrawn,
        ACCOUNT_EVENTS.withdrawn,
      ),
      data: fc.record({ amount: fc.integer({ min: 1, max: 80 }) }),
      causedByOtherStream: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('sync' as const), from: fc.nat(3), to: fc.nat(3) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('merge' as const),
      region: fc.nat(3),
      stream: fc.nat(1),
    }),
  },
);

function setUp(regions: number): SimulationOp[] {
  const ops: SimulationOp[] = [
    { op: 'write', region: 0, stream: 0, type: ACCOUNT_EVENTS.opened, data: {} },
    { op: 'write', region: 0, stream: 1, type: ACCOUNT_EVENTS.opened, data: {} },
    { op: 'write', region: 0, stream: 0, type: ACCOUNT_EVENTS.deposited, data: { amount: 100 } },
  ];
  for (let r = 1; r < regions; r++) ops.push({ op: 'sync', from: 0, to: r });
  return ops;
}

const regionsOf = (n: number) => ['ap', 'eu', 'us', 'sa'].slice(0, n);

function foldIn(g: fc.GeneratorValue, events: readonly UnsignedEnvelope[], stream: string) {
  const projection = new StreamProjection(stream, accountDomain.reducer, { checkpointEvery: 2 });
  const pending = events.filter((e) => e.stream === stream);
  while (pending.length > 0) {
    const ready = pending.filter((e) => e.parents.every((p) => projection.has(p)));
    const pick = ready[g(fc.integer, { min: 0, max: ready.length - 1 })]!;
    projection.apply([pick]);
    pending.splice(pending.indexOf(pick), 1);
  }
  return projection.toFold();
}

const coverage = { bounces: 0, compensations: 0 };

describe('account domain (property)', () => {
  afterAll(() => {
    // The generated histories must really produce concurrent overdrafts and merges.
    expect(coverage.bounces).toBeGreaterThan(50);
    expect(coverage.compensations).toBeGreaterThan(10);
  });

  it('never ends a converged history with a negative balance, whatever the interleaving; merges compensate exactly the reversed withdrawals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 4 }),
        fc.array(randomOp, { maxLength: 40, size: 'max' }),
        fc.gen(),
        (n, ops, g) => {
          const regions = regionsOf(n);
          const { events } = simulateHistory([...setUp(n), ...ops], {
            regions,
            streams: STREAMS,
            registry,
          });
          for (const stream of STREAMS) {
            const own = events.filter((e) => e.stream === stream);
            const reference = foldStream(own, accountDomain.reducer);
            // Every region, whatever its arrival order, folds the same state.
            for (let r = 0; r < n; r++)
              expect(foldIn(g, events, stream).state).toEqual(reference.state);
            const state = reference.state;
            expect(state.balance).toBeGreaterThanOrEqual(0);
            const bounced = new Set(state.bounced.map((b) => b.id));
            let expected = 0;
            for (const e of own) {
              const amount = (e.data as { amount?: number }).amount ?? 0;
              if (e.type === ACCOUNT_EVENTS.deposited) expected += amount;
              if (e.type === ACCOUNT_EVENTS.withdrawn && !bounced.has(e.id)) expected -= amount;
            }
            expect(state.balance).toBe(expected);
            for (const c of state.compensations) expect(bounced.has(c.withdrawal)).toBe(true);
            if (bounced.size > 0) coverage.bounces++;
            if (state.compensations.length > 0) coverage.compensations++;
            if (reference.heads.length > 1) {
              const { merge } = buildMerge({ fold: reference, module: accountDomain, regions });
              const merged = foldStream([...own, merge], accountDomain.reducer);
              expect(merged.heads).toEqual([merge.id]);
              expect(merged.state.balance).toBe(state.balance);
              for (const c of merged.state.compensations)
                expect(bounced.has(c.withdrawal)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('without concurrency (every write seen everywhere before the next), nothing ever bounces', () => {
    fc.assert(
      fc.property(fc.array(randomOp, { maxLength: 30, size: 'max' }), (ops) => {
        const regions = regionsOf(3);
        const synced = ops.flatMap((op): SimulationOp[] =>
          op.op === 'write'
            ? [op, ...[0, 1, 2].map((to) => ({ op: 'sync' as const, from: op.region, to }))]
            : op.op === 'sync'
              ? [op]
              : [],
        );
        const { events, rejected } = simulateHistory([...setUp(3), ...synced], {
          regions,
          streams: STREAMS,
          registry,
        });
        for (const stream of STREAMS) {
          const fold = foldStream(
            events.filter((e) => e.stream === stream),
            accountDomain.reducer,
          );
          expect(fold.heads).toHaveLength(1);
          expect(fold.state.bounced).toEqual([]);
        }
        return rejected >= 0;
      }),
      { numRuns: 1000 },
    );
  });
});
