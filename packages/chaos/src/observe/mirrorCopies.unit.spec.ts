import { describe, expect, it } from 'vitest';
import { checkHistory } from '../checker/checkHistory.js';
import type { History } from '../checker/History.js';
import { chaosReport, type ChaosSummary } from '../report/chaosReport.js';
import { describeCopies, partitionsBehind, type CopyCheck } from './mirrorCopies.js';

describe('partitionsBehind', () => {
  it('is empty when every copied partition holds as many records as its source, or more (a repeated copy)', () => {
    expect(partitionsBehind({ 0: 10, 1: 0, 2: 7 }, { 0: 10, 1: 0, 2: 9 })).toEqual([]);
    expect(partitionsBehind({}, {})).toEqual([]);
  });

  it('names the partitions whose copy holds fewer records, and those missing from the copy', () => {
    expect(partitionsBehind({ 0: 10, 1: 3, 2: 7, 3: 1 }, { 0: 10, 1: 2, 3: 0 })).toEqual([1, 2, 3]);
    // an empty source partition needs nothing copied, even when the copy lacks it
    expect(partitionsBehind({ 0: 0, 1: 5 }, { 1: 5 })).toEqual([]);
  });
});

const flow = (origin: string, target: string, source: number[], copied: number[]) => {
  const src = Object.fromEntries(source.map((n, p) => [p, n]));
  const cp = Object.fromEntries(copied.map((n, p) => [p, n]));
  return {
    origin,
    target,
    copy: `${origin}.t.events.${origin}`,
    source: src,
    copied: cp,
    behind: partitionsBehind(src, cp),
  };
};

describe('the chaos report of an mm2 run', () => {
  const history: History = { acked: [], failed: [], regions: [], topics: [] };
  const check = checkHistory(history);
  const summary = (copies: CopyCheck): ChaosSummary => ({
    seed: 5,
    rate: 50,
    durationSec: 60,
    faults: ['mm2'],
    regions: ['us', 'eu'],
    startedAt: 0,
    plan: [],
    nemesis: [],
    drain: { converged: true, missing: {}, pending: {}, divergentStreams: 0, elapsedMs: 1000 },
    check,
    copies,
  });

  it('passes and lists every flow when each copy caught up', () => {
    const copies = {
      complete: true,
      elapsedMs: 0,
      flows: [flow('us', 'eu', [3, 4], [3, 5]), flow('eu', 'us', [2, 0], [2, 0])],
    };
    const doc = chaosReport(history, summary(copies));
    expect(check.ok).toBe(true);
    expect(doc.verdict.ok).toBe(true);
    const table = doc.tables.find((t) => t.title.startsWith('MirrorMaker 2 copies'));
    expect(table?.rows).toEqual([
      ['us → eu', 'us.t.events.us', '7', '8', 'ok'],
      ['eu → us', 'eu.t.events.eu', '2', '2', 'ok'],
    ]);
    expect(describeCopies(copies)).toBe('us->eu 8/7, eu->us 2/2');
  });

  it('fails, naming the flow, when a copy lacks records of its source (replication stopped, repairs hid it)', () => {
    const copies = {
      complete: false,
      elapsedMs: 30_000,
      flows: [flow('us', 'eu', [3, 4], [3, 1]), flow('eu', 'us', [2, 0], [2, 0])],
    };
    const doc = chaosReport(history, summary(copies));
    expect(doc.verdict.ok).toBe(false);
    expect(doc.verdict.text).toContain('us->eu');
    expect(doc.tables.find((t) => t.title.startsWith('MirrorMaker 2'))?.rows[0]![4]).toBe(
      'FAIL (partitions 1 behind)',
    );
  });

  it('has no copies table for a direct run', () => {
    const { copies: _ignored, ...direct } = summary({ complete: true, elapsedMs: 0, flows: [] });
    expect(chaosReport(history, direct).tables.some((t) => t.title.includes('MirrorMaker'))).toBe(
      false,
    );
  });
});
