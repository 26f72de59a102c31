import { describe, expect, it } from 'vitest';
import { AvailabilityTracker } from '@concord/chaos';
import { LiveView, renderFrame, type LiveFrame } from './LiveView.js';

function frame(): LiveFrame {
  const tracker = new AvailabilityTracker();
  for (let i = 0; i < 199; i++) tracker.ack('us', i < 20 ? 'eu' : 'us', undefined);
  tracker.failed('us');
  tracker.event({ type: 'failover', from: 'us', to: 'eu', reason: 'unreachable', at: 1 });
  tracker.event({ type: 'failover', from: 'eu', to: 'us', reason: 'recovered', at: 2 });
  return {
    elapsedSec: 12,
    phase: 'ap cut off',
    writesPerSec: { us: 8 },
    samples: [
      {
        region: 'us',
        reachable: true,
        lag: { eu: { p50: 40, p99: 90, n: 3 } },
        pending: 0,
        conflictsOpen: 1,
        conflictsResolved: 2,
        applied: 10,
      },
    ],
    links: [],
    availability: tracker.report(),
  };
}

describe('the live view', () => {
  it('shows each home region’s acknowledged share and the clients’ failovers', () => {
    const lines = renderFrame(frame());
    expect(lines[2]).toContain('acked');
    expect(lines[3]).toMatch(/^us\s+8\s+99\.5%\s+eu 40\/90/);
    expect(lines.at(-1)).toBe(
      'clients: 199/200 writes acknowledged, 20 away from home; failovers 1, returns 1',
    );
  });

  it('writes one plain line per region when not interactive', () => {
    const out: string[] = [];
    new LiveView(false, (l) => out.push(l)).show(frame());
    expect(out).toEqual([
      '+12s ap cut off | us: 8 w/s, acked 99.5%, lag eu:40/90ms, pending 0, conflicts 1 open/2 resolved',
    ]);
  });

  it('shows the deployment’s CPU beside the writes/s, biggest kinds first', () => {
    const cpu = {
      seconds: 1,
      cores: { writer: 0.1, mirror: 0.25, broker: 0.05 },
      totalCores: 0.4,
      totalCpuMs: 400,
      pids: {},
    };
    const lines = renderFrame({ ...frame(), cpu: { window: cpu, writesPerSec: 20 } });
    expect(lines).toContain(
      'cpu: 0.40 cores for 20 writes/s, 20.0 CPU-ms/write (mirror 0.25, writer 0.10, broker 0.05)',
    );
    const out: string[] = [];
    new LiveView(false, (l) => out.push(l)).show({
      ...frame(),
      cpu: { window: cpu, writesPerSec: 8 },
    });
    expect(out.at(-1)).toBe(
      '+12s cpu: 0.40 cores for 8 writes/s, 50.0 CPU-ms/write (mirror 0.25, writer 0.10, broker 0.05)',
    );
  });
});
