import { describe, expect, it } from 'vitest';
import type { MirrorBacklog } from '@concord/mirror';
import { renderApply, renderBacklog, renderRegionStatus } from '../output/regionStatusTable.js';
import type { RegionStatus } from './regionStatus.js';

const backlog = (over: Partial<MirrorBacklog['apply']> = {}): MirrorBacklog => ({
  region: 'ap',
  origins: [
    { origin: 'us', records: 42, seconds: 14.2 },
    { origin: 'eu', records: 0, seconds: 0 },
  ],
  apply: { failing: null, openSeconds: 0, lastCommitAt: null, ...over },
  sources: [],
});

describe('concord status: backlog and apply health', () => {
  it('shows records not yet applied per origin with the age of the oldest', () => {
    expect(renderBacklog({ backlog: backlog() })).toBe('us 42 (14s), eu 0');
    expect(renderBacklog({ backlogError: 'http://127.0.0.1:1/v1/backlog: ECONNREFUSED' })).toBe(
      '? (mirror: http://127.0.0.1:1/v1/backlog: ECONNREFUSED)',
    );
  });

  it('says apply failing since when, with the code', () => {
    const failing = {
      since: '2026-12-03T10:00:00.000Z',
      seconds: 150,
      code: '57P01',
      message: 'terminating connection',
    };
    expect(renderApply({ backlog: backlog({ failing }) })).toBe(
      'FAILING since 10:00:00 (57P01) for 150s',
    );
    expect(renderApply({ backlog: backlog({ openSeconds: 25 }) })).toBe('transaction open 25s');
    expect(renderApply({ backlog: backlog({ openSeconds: 0.3 }) })).toBe('ok');
    expect(renderApply({})).toBe('?');
  });

  it('shows the mirror’s backlog even when the reconciler does not answer', () => {
    const r: RegionStatus = {
      region: 'ap',
      reachable: false,
      error: 'no answer within 5000 ms',
      endpoints: { writer: 'w', mirror: 'm', reconciler: 'r' },
      backlog: backlog({ openSeconds: 25 }),
    };
    const table = renderRegionStatus([r]);
    expect(table).toContain('transaction open 25s');
    expect(table).toContain('us 42 (14s), eu 0');
    expect(table).toContain('NO ANSWER');
  });
});
