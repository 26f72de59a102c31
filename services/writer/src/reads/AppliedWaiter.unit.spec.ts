import { describe, expect, it } from 'vitest';
import { AppliedWaiter, markKey, type AppliedMark } from './AppliedWaiter.js';

const mark: AppliedMark = { kind: 'position', origin: 'us', partition: 2, offset: 41 };

describe('AppliedWaiter', () => {
  it('checks again at once when woken, not at the fallback interval', async () => {
    const applied = new Set<string>();
    let checks = 0;
    const waiter = new AppliedWaiter(
      async (marks) => {
        checks++;
        return new Set(marks.map(markKey).filter((k) => applied.has(k)));
      },
      { intervalMs: 60_000, maxWaiters: 10 },
    );
    try {
      const started = Date.now();
      const waiting = waiter.wait(mark, 30_000);
      await new Promise((r) => setTimeout(r, 20));
      expect(checks).toBe(1); // the first check, then it sleeps for the fallback interval
      applied.add(markKey(mark));
      waiter.wake();
      expect(await waiting).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      waiter.wake(); // nobody waits: no check
      await new Promise((r) => setTimeout(r, 20));
      expect(checks).toBe(2);
    } finally {
      waiter.close();
    }
  });

  it('a wake-up during a check is not lost: it checks again right after', async () => {
    let release!: () => void;
    let applied = false;
    let checks = 0;
    const waiter = new AppliedWaiter(
      async () => {
        checks++;
        const seen = applied; // what the query's snapshot saw
        if (checks === 1) await new Promise<void>((r) => (release = r));
        return new Set(seen ? [markKey(mark)] : []);
      },
      { intervalMs: 60_000, maxWaiters: 10 },
    );
    try {
      const waiting = waiter.wait(mark, 30_000);
      await new Promise((r) => setTimeout(r, 20));
      applied = true; // applied while the first check still runs (it read before)
      waiter.wake();
      release();
      expect(await waiting).toBe(true);
      expect(checks).toBe(2);
    } finally {
      waiter.close();
    }
  });

  it('answers false at the deadline and refuses waiters beyond the bound', async () => {
    const waiter = new AppliedWaiter(async () => new Set(), { intervalMs: 10, maxWaiters: 1 });
    try {
      const waiting = waiter.wait(
        { kind: 'event', id: '0190a000-0000-7000-8000-000000000001' },
        50,
      );
      expect(() => waiter.wait(mark, 50)).toThrow(/too many reads/);
      expect(await waiting).toBe(false);
    } finally {
      waiter.close();
    }
  });
});
