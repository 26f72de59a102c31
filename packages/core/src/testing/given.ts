import { deepStrictEqual } from 'node:assert/strict';
import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { isConcordError } from '../errors/ConcordError.js';
import type { ErrorCode } from '../errors/codes.js';
import type { JsonObject } from '../json/JsonValue.js';
import type { DomainModule, ManualResolution } from '../domain/DomainModule.js';
import { foldStream } from '../fold/foldStream.js';
import type { StreamFold } from '../fold/StreamFold.js';
import { buildManualMerge, buildMerge } from '../conflicts/buildMerge.js';
import { detectConflict } from '../conflicts/analyzeConflict.js';
import type { Conflict } from '../conflicts/Conflict.js';
import { TestEventFactory, type EventSpec } from './TestEventFactory.js';

/** An expectation: the exact value, or a function that asserts (and throws) itself. */
export type Expect<T> = T | ((actual: T) => void);

function check<T>(actual: T, expected: Expect<T>, what: string): void {
  if (typeof expected === 'function') (expected as (actual: T) => void)(actual);
  else deepStrictEqual(actual, expected, `${what} differs from the expectation`);
}

export interface DomainSpecOptions {
  stream?: StreamId;
  /** Regions of the deployment; branch i is written by `regions[i % n]`. Default us, eu, ap. */
  regions?: readonly RegionId[];
}

/**
 * Given/when/then specs for domain modules, emmett style:
 *
 * ```ts
 * const spec = domainSpec(account);
 * spec.given({ type: 'Opened' }, { type: 'Deposited', data: { amount: 100 } })
 *   .when({ type: 'Withdrawn', data: { amount: 30 } })
 *   .then((state) => expect(state.balance).toBe(70));
 * spec.given(...).prepare({ type: 'Withdrawn', data: { amount: 500 } }).rejects('DOMAIN_REJECTED');
 * spec.given(...).concurrently([branchA...], [branchB...]).thenConflict(...).thenMerged(...);
 * ```
 * Assertions throw AssertionError (node:assert), so they work under any test runner.
 */
export function domainSpec<S>(module: DomainModule<S>, options: DomainSpecOptions = {}) {
  const stream = options.stream ?? `${module.category}-spec`;
  const regions = options.regions ?? ['us', 'eu', 'ap'];
  return {
    given(...history: EventSpec[]) {
      const factory = new TestEventFactory({ stream, origin: regions[0] as RegionId });
      const events = factory.chain(...history);
      const fold = () => foldStream(events, module.reducer, { stream });
      return {
        events,
        /** Asserts the state after the given events. */
        then(expected: Expect<S>): void {
          check(fold().state, expected, 'state');
        },
        /** Appends events after the given ones. */
        when(...more: EventSpec[]) {
          const all = [...events, ...factory.chain(...more)];
          const result = foldStream(all, module.reducer, { stream });
          return {
            events: all,
            fold: result,
            then(expected: Expect<S>): void {
              check(result.state, expected, 'state');
            },
          };
        },
        /** Runs the domain's `prepare` for a command against the given state. */
        prepare(command: { type: string; data?: JsonObject; idempotencyKey?: string }) {
          const run = (): JsonObject => {
            const data = command.data ?? {};
            if (!module.prepare) return data;
            return module.prepare(fold().state, {
              stream,
              type: command.type,
              data,
              idempotencyKey: command.idempotencyKey,
            });
          };
          return {
            then(expected: Expect<JsonObject>): void {
              check(run(), expected, 'prepared data');
            },
            rejects(code: ErrorCode = 'DOMAIN_REJECTED'): void {
              try {
                run();
              } catch (error) {
                if (isConcordError(error, code)) return;
                throw error;
              }
              throw new Error(`expected prepare to be rejected with ${code}`);
            },
          };
        },
        /** Branches written concurrently after the given events, branch i by region i. */
        concurrently(...branches: EventSpec[][]) {
          const base = factory.headsOf(stream);
          const branchEvents: UnsignedEnvelope[][] = branches.map((specs, i) => {
            let parents = base;
            return specs.map((spec) => {
              const origin = spec.origin ?? (regions[i % regions.length] as RegionId);
              const event = factory.event({ ...spec, origin, parents: spec.parents ?? parents });
              parents = [event.id];
              return event;
            });
          });
          const all = [...events, ...branchEvents.flat()];
          return concurrentStage(module, regions, stream, all, branchEvents);
        },
      };
    },
  };
}

function concurrentStage<S>(
  module: DomainModule<S>,
  regions: readonly RegionId[],
  stream: StreamId,
  events: UnsignedEnvelope[],
  branches: UnsignedEnvelope[][],
) {
  const fold: StreamFold<S> = foldStream(events, module.reducer, { stream });
  const stage = {
    events,
    branches,
    fold,
    /** The state before any merge. */
    thenState(expected: Expect<S>) {
      check(fold.state, expected, 'state');
      return stage;
    },
    thenConflict(expected: Expect<Conflict | null>) {
      check(detectConflict({ events }, module), expected, 'conflict');
      return stage;
    },
    /** Builds the policy's merge (or the given manual resolution), folds it, asserts the state. */
    thenMerged(expected: Expect<S>, resolution?: ManualResolution) {
      const input = { events, module, regions };
      const { merge } = resolution ? buildManualMerge({ ...input, resolution }) : buildMerge(input);
      const merged = foldStream([...events, merge], module.reducer, { stream });
      deepStrictEqual(merged.heads, [merge.id], 'the merge must collapse the heads');
      check(merged.state, expected, 'merged state');
      return stage;
    },
    /** The head of branch i (for manual resolutions). */
    headOf(branch: number): EventId {
      const list = branches[branch] ?? [];
      const last = list[list.length - 1];
      if (!last) throw new Error(`branch ${branch} is empty`);
      return last.id;
    },
  };
  return stage;
}
