import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeFailures, type FaultWindow } from './failureAttribution.js';

const windows: FaultWindow[] = [
  { kind: 'pause', from: 1000, to: 5000 },
  { kind: 'broker', from: 10_000, to: 12_000 },
];

describe('attributeFailures', () => {
  it('charges a failure to the fault active when the write started, or just healed', () => {
    expect(
      attributeFailures([500, 1000, 4999, 5000, 7999, 8001, 11_000, 20_000], windows, 3000),
    ).toEqual({ none: 3, pause: 4, broker: 1 });
  });

  it('counts every failure exactly once, whatever the windows', () => {
    const window = fc
      .tuple(fc.constantFrom('pause', 'kill', 'broker'), fc.nat(100_000), fc.nat(20_000))
      .map(([kind, from, len]): FaultWindow => ({ kind, from, to: from + len }));
    fc.assert(
      fc.property(
        fc.array(fc.nat(150_000), { maxLength: 50 }),
        fc.array(window, { maxLength: 10 }),
        fc.nat(10_000),
        (starts, ws, tail) => {
          const counts = attributeFailures(starts, ws, tail);
          expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(starts.length);
          if (ws.length === 0 && starts.length > 0) expect(counts).toEqual({ none: starts.length });
        },
      ),
    );
  });
});
