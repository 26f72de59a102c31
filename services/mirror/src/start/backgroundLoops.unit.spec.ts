import { describe, expect, it } from 'vitest';
import { createLogger } from '@concord/telemetry';
import { BackgroundLoops } from './backgroundLoops.js';

describe('BackgroundLoops', () => {
  it('repeats a task after its period, survives a failure, and stops at once', async () => {
    const loops = new BackgroundLoops(
      createLogger({ service: 'mirror', region: 'us', level: 'silent' }),
    );
    let runs = 0;
    loops.every(
      10,
      () => {
        runs++;
        return runs === 2 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      'test',
    );
    let slow = 0;
    loops.every(
      60_000,
      () => {
        slow++;
        return Promise.resolve();
      },
      'slow',
    );
    while (runs < 4) await new Promise((r) => setTimeout(r, 5));
    const stoppedAt = Date.now();
    loops.stop();
    await loops.done();
    // The 60 s wait ended on stop, not after its period.
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    expect(slow).toBe(1);
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
  });
});
