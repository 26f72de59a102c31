import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topCosts } from './cpuProfile.js';
import { coresUsed, cpuTicksBetween, parseProcStat, type ProcCpu } from '@concord/runner';
import {
  cpuMsPerWrite,
  evaluateStep,
  stepRates,
  sustainedMax,
  type StepFigures,
  type StepVerdict,
} from './stepEval.js';

const limits = { maxLagP99Ms: 1000, maxAppendP99Ms: 1000, minAckedShare: 0.9, regions: 3 };
const good: StepFigures = {
  ratePerRegion: 100,
  ackedPerSecond: 300,
  sent: 3000,
  errors: 0,
  unreplicated: 0,
  worstLagP99Ms: 120,
  appendP99Ms: 40,
};

describe('parseProcStat', () => {
  it('reads utime, stime and start time after a command name with spaces and parentheses', () => {
    const line =
      '4242 (node (writer) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 95 0 0 20 0 11 0 9876 1 2';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      utimeTicks: 731,
      stimeTicks: 95,
      startTicks: 9876,
    });
  });

  it('reads this process from /proc', async () => {
    const { readFileSync } = await import('node:fs');
    const p = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(p.utimeTicks + p.stimeTicks).toBeGreaterThanOrEqual(0);
    expect(p.startTicks).toBeGreaterThan(0);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('12 (x) S 1 2')).toThrow(/no field 14/);
  });
});

describe('cpuTicksBetween', () => {
  const p = (pid: number, start: number, u: number, s: number): ProcCpu => ({
    pid,
    startTicks: start,
    utimeTicks: u,
    stimeTicks: s,
  });

  it('counts deltas, whole new processes, a reused PID as new, and not ended ones', () => {
    const before = [p(1, 10, 100, 10), p(2, 20, 50, 5), p(3, 30, 7, 0)];
    const after = [p(1, 10, 130, 15), p(2, 99, 4, 1), p(4, 40, 3, 2)];
    expect(cpuTicksBetween(before, after)).toBe(35 + 5 + 5);
  });

  it('is additive over disjoint process sets and never negative', () => {
    const proc = fc.record({
      start: fc.nat(1000),
      u0: fc.nat(10_000),
      s0: fc.nat(10_000),
      du: fc.nat(10_000),
      ds: fc.nat(10_000),
    });
    fc.assert(
      fc.property(fc.array(proc, { maxLength: 20 }), (procs) => {
        const before = procs.map((x, i) => p(i + 1, x.start, x.u0, x.s0));
        const after = procs.map((x, i) => p(i + 1, x.start, x.u0 + x.du, x.s0 + x.ds));
        const total = cpuTicksBetween(before, after);
        const half = Math.floor(procs.length / 2);
        const split =
          cpuTicksBetween(before.slice(0, half), after.slice(0, half)) +
          cpuTicksBetween(before.slice(half), after.slice(half));
        expect(total).toBe(split);
        expect(total).toBe(procs.reduce((a, x) => a + x.du + x.ds, 0));
      }),
    );
  });

  it('turns ticks into cores', () => {
    expect(coresUsed(300, 100, 30)).toBeCloseTo(0.1);
    expect(coresUsed(300, 100, 0)).toBe(0);
  });
});

describe('evaluateStep', () => {
  it('holds a clean step and names the first reason a step fails', () => {
    expect(evaluateStep(good, limits)).toEqual({ held: true });
    expect(evaluateStep({ ...good, errors: 1 }, limits)).toEqual({ held: false, reason: 'errors' });
    expect(evaluateStep({ ...good, unreplicated: 2 }, limits)).toMatchObject({
      reason: 'unreplicated',
    });
    expect(evaluateStep({ ...good, worstLagP99Ms: 1001 }, limits)).toMatchObject({
      reason: 'lag',
    });
    expect(evaluateStep({ ...good, appendP99Ms: 24_556 }, limits)).toEqual({
      held: false,
      reason: 'latency',
    });
    expect(evaluateStep({ ...good, worstLagP99Ms: Number.NaN }, limits)).toMatchObject({
      reason: 'lag',
    });
    expect(evaluateStep({ ...good, ackedPerSecond: 260 }, limits)).toMatchObject({
      reason: 'rate',
    });
  });

  it('never holds with errors, whatever the other figures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.nat(5000), (errors, lag) => {
        expect(evaluateStep({ ...good, errors, worstLagP99Ms: lag }, limits).held).toBe(false);
      }),
    );
  });
});

describe('sustainedMax', () => {
  const held: StepVerdict = { held: true };
  const failed: StepVerdict = { held: false, reason: 'lag' };

  it('is the last step before the first failure', () => {
    const steps = [held, held, failed, held].map((verdict, i) => ({ rate: i, verdict }));
    expect(sustainedMax(steps)?.rate).toBe(1);
    expect(sustainedMax([{ rate: 0, verdict: failed }])).toBeUndefined();
    expect(sustainedMax([])).toBeUndefined();
  });

  it('is a step that held, and every step before it held', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean()), (oks) => {
        const steps = oks.map((ok, i) => ({ i, verdict: ok ? held : failed }));
        const max = sustainedMax(steps);
        if (max === undefined) expect(oks[0] !== true).toBe(true);
        else expect(oks.slice(0, max.i + 1).every(Boolean) && oks[max.i + 1] !== true).toBe(true);
      }),
    );
  });
});

describe('cpuMsPerWrite', () => {
  it('subtracts idle CPU over the step and divides by writes', () => {
    // 1,500 CPU-ms in 10 s with 0.05 cores idle (500 ms) over 100 writes → 10 ms each.
    expect(cpuMsPerWrite(1500, 0.05, 10, 100)).toBeCloseTo(10);
    expect(cpuMsPerWrite(100, 0.05, 10, 100)).toBe(0);
    expect(cpuMsPerWrite(100, 0, 10, 0)).toBeUndefined();
  });

  it('scales inversely with writes and never goes negative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10_000 }),
        (cpu, idle, secs, writes) => {
          const one = cpuMsPerWrite(cpu, idle, secs, writes)!;
          expect(one).toBeGreaterThanOrEqual(0);
          expect(cpuMsPerWrite(cpu, idle, secs, writes * 2)! * 2).toBeCloseTo(one, 6);
        },
      ),
    );
  });
});

describe('stepRates', () => {
  it('doubles from the first rate up to the maximum', () => {
    expect(stepRates(50, 800)).toEqual([50, 100, 200, 400, 800]);
    expect(stepRates(50, 40)).toEqual([]);
    expect(() => stepRates(0, 10)).toThrow();
  });
});

describe('topCosts', () => {
  const node = (id: number, fn: string, url: string, hitCount: number) => ({
    id,
    callFrame: { functionName: fn, url, lineNumber: 9 },
    hitCount,
  });

  it('merges a frame seen in several call paths and ranks by self time', () => {
    const profile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs, 100 samples → 10 ms each
      nodes: [
        node(1, '(idle)', '', 50),
        node(2, 'verify', 'file:///w/packages/core/dist/sign.js', 20),
        node(3, 'verify', 'file:///w/packages/core/dist/sign.js', 10),
        node(4, 'send', 'file:///w/node_modules/.pnpm/kafkajs@2/node_modules/kafkajs/src/p.js', 20),
        node(5, 'unused', 'x.js', 0),
      ],
    };
    expect(topCosts(profile, 2)).toEqual([
      { frame: '(idle)', selfMs: 500, share: 0.5 },
      { frame: 'verify (packages/core/dist/sign.js:10)', selfMs: 300, share: 0.3 },
    ]);
    expect(topCosts(profile)[2]?.frame).toBe('send (kafkajs/src/p.js:10)');
    expect(topCosts({ startTime: 0, endTime: 1, nodes: [] })).toEqual([]);
  });
});
