import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runLoop } from './runLoop.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('runLoop', () => {
  it('waits the delay a round asks for, and no timer fires in between', async () => {
    const controller = new AbortController();
    let rounds = 0;
    const loop = runLoop({
      name: 't',
      signal: controller.signal,
      round: async () => {
        rounds++;
        return 10_000;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rounds).toBe(2);
    controller.abort();
    await loop.done;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs the next round at once on wake, also when woken during a round', async () => {
    const controller = new AbortController();
    let rounds = 0;
    let release: (() => void) | undefined;
    const loop = runLoop({
      name: 't',
      signal: controller.signal,
      round: async () => {
        rounds++;
        if (rounds === 2) await new Promise<void>((r) => (release = r));
        return 60_000;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds).toBe(2);
    loop.wake(); // during round 2
    release!();
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds).toBe(3);
    controller.abort();
    await loop.done;
  });

  it('stops on abort without waiting out the delay', async () => {
    const controller = new AbortController();
    const loop = runLoop({ name: 't', signal: controller.signal, round: async () => 3_600_000 });
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await loop.done;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('survives failing rounds with the delays of its error policy, and resets after a success', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const outcomes = ['fail', 'fail', 'ok', 'fail'];
    let i = 0;
    const loop = runLoop({
      name: 'named',
      signal: controller.signal,
      round: async () => {
        if (outcomes[i++ % outcomes.length] === 'fail') throw new Error('boom');
        return 5;
      },
      onError: (error, failures, name) => {
        expect((error as Error).message).toBe('boom');
        expect(name).toBe('named');
        seen.push(failures);
        return 100;
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await loop.done;
    expect(seen.slice(0, 3)).toEqual([1, 2, 1]);
  });

  it('never overlaps rounds, whatever the delays and wake-ups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ delay: fc.nat(50), work: fc.nat(20), wake: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (plan) => {
          const controller = new AbortController();
          let active = 0;
          let maxActive = 0;
          let i = 0;
          const loop = runLoop({
            name: 'p',
            signal: controller.signal,
            round: async () => {
              active++;
              maxActive = Math.max(maxActive, active);
              const step = plan[i++ % plan.length]!;
              await new Promise((r) => setTimeout(r, step.work));
              active--;
              return step.delay;
            },
          });
          for (const step of plan) {
            if (step.wake) loop.wake();
            await vi.advanceTimersByTimeAsync(step.work + 1);
          }
          controller.abort();
          await vi.advanceTimersByTimeAsync(100);
          await loop.done;
          expect(maxActive).toBe(1);
        },
      ),
      { numRuns: 50 },
    );
  });
});
