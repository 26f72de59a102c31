import { describe, expect, it } from 'vitest';
import type { History } from '../checker/History.js';
import { lagSeries, throughputSeries } from './timeSeries.js';

const t0 = 1_000_000;
const history: History = {
  acked: [
    { region: 'us', stream: 's', eventId: 'a', value: 'a', at: t0 + 100 },
    { region: 'us', stream: 's', eventId: 'b', value: 'b', at: t0 + 900 },
    { region: 'eu', stream: 's', eventId: 'c', value: 'c', at: t0 + 1500 },
  ],
  failed: [],
  topics: [],
  regions: [
    {
      region: 'us',
      applied: [],
      events: [],
      streams: [],
      recomputed: [],
      conflicts: [],
      balances: [],
    },
    {
      region: 'eu',
      events: [],
      streams: [],
      recomputed: [],
      conflicts: [],
      balances: [],
      applied: [
        {
          eventId: 'a',
          stream: 's',
          type: 't',
          origin: 'us',
          parents: [],
          appliedSeq: 1,
          idempotencyNoop: false,
          acceptedAt: t0 + 100,
          appliedAt: t0 + 150,
        },
        {
          eventId: 'b',
          stream: 's',
          type: 't',
          origin: 'us',
          parents: [],
          appliedSeq: 2,
          idempotencyNoop: false,
          acceptedAt: t0 + 900,
          appliedAt: t0 + 1200,
        },
        {
          eventId: 'c',
          stream: 's',
          type: 't',
          origin: 'eu',
          parents: [],
          appliedSeq: 3,
          idempotencyNoop: false,
          acceptedAt: t0 + 1500,
          appliedAt: t0 + 1510,
        },
      ],
    },
  ],
};

describe('time series for reports', () => {
  it('counts acknowledged writes per second and region', () => {
    expect(throughputSeries(history, t0)).toEqual([
      {
        name: 'us acked/s',
        points: [
          [0, 2],
          [1, 0],
          [2, 0],
        ],
      },
      {
        name: 'eu acked/s',
        points: [
          [0, 0],
          [1, 1],
          [2, 0],
        ],
      },
    ]);
  });

  it('gives replication lag per ordered pair, bucketed by application time, own region excluded', () => {
    expect(lagSeries(history, t0)).toEqual([
      {
        name: 'us→eu p99',
        points: [
          [0, 50],
          [1, 300],
        ],
      },
    ]);
  });
});
