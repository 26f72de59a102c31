import { describe, expect, it } from 'vitest';
import type { ApplierStats } from '../apply/Applier.js';
import { applyHealth } from './applyHealth.js';

const base = {
  failingSince: undefined,
  lastErrorCode: undefined,
  lastError: undefined,
  openSince: undefined,
  lastCommitAt: undefined,
} as unknown as ApplierStats;

describe('applyHealth', () => {
  it('is healthy with no failure and no open transaction', () => {
    expect(applyHealth(base, 10_000)).toEqual({
      failing: null,
      openSeconds: 0,
      lastCommitAt: null,
    });
  });

  it('reports since when transactions fail, with the code and message of the last failure', () => {
    const stats = {
      ...base,
      failingSince: Date.parse('2026-12-03T10:00:00.000Z'),
      lastErrorCode: '57P01',
      lastError: 'terminating connection due to administrator command',
      lastCommitAt: Date.parse('2026-12-03T09:59:59.000Z'),
    };
    expect(applyHealth(stats, Date.parse('2026-12-03T10:02:30.000Z'))).toEqual({
      failing: {
        since: '2026-12-03T10:00:00.000Z',
        seconds: 150,
        code: '57P01',
        message: 'terminating connection due to administrator command',
      },
      openSeconds: 0,
      lastCommitAt: '2026-12-03T09:59:59.000Z',
    });
  });

  it('counts how long the running transaction has been open (a lock wait), never negative', () => {
    expect(applyHealth({ ...base, openSince: 4_000 }, 29_000).openSeconds).toBe(25);
    expect(applyHealth({ ...base, openSince: 30_000 }, 29_000).openSeconds).toBe(0);
  });
});
