import { readRegionKeys, type ConcordConfig } from '@concord/config';
import { createSigner, type Envelope, type EventId, type Hlc } from '@concord/core';
import { APPLY_REGION, BenchWriter, CONCURRENT_REGION } from './mirrorBenchSetup.js';

/**
 * `events` over `streams` streams written in the apply region, each stream a chain; with
 * `concurrent`, that share of the events is written in another region concurrently with the head (same parents as it, a lower
 * clock), so it sorts before the head: a fork, a slow-path recompute, a conflict, merged by the
 * stream's next write (whose parents are both heads).
 */
export function workload(
  config: ConcordConfig,
  events: number,
  streams: number,
  concurrent: number,
): Envelope[] {
  const home = new BenchWriter(
    APPLY_REGION,
    createSigner(APPLY_REGION, readRegionKeys(config, APPLY_REGION).privateKeyPem!),
  );
  const other = new BenchWriter(
    CONCURRENT_REGION,
    createSigner(CONCURRENT_REGION, readRegionKeys(config, CONCURRENT_REGION).privateKeyPem!),
  );
  const heads = new Map<string, { id: EventId; hlc: Hlc }[]>();
  const previous = new Map<string, { id: EventId; hlc: Hlc }[]>();
  const out: Envelope[] = [];
  let n = 0;
  let forks = 0;
  while (out.length < events) {
    const stream = `bench-${n % streams}`;
    const current = heads.get(stream) ?? [];
    const before = previous.get(stream);
    const fork = before !== undefined && current.length === 1 && forks < concurrent * out.length;
    if (fork) {
      forks++;
      const parentHlc = before.reduce((m, p) => (p.hlc.wall > m.wall ? p.hlc : m), {
        wall: 0,
        logical: 0,
      });
      const e = other.event(
        stream,
        before,
        { f: n },
        { wall: parentHlc.wall, logical: parentHlc.logical + 1 },
      );
      out.push(e);
      heads.set(stream, [...current, { id: e.id, hlc: e.hlc }]);
    } else {
      const e = home.event(stream, current, { f: n % 7, n });
      out.push(e);
      previous.set(stream, current);
      heads.set(stream, [{ id: e.id, hlc: e.hlc }]);
    }
    n++;
  }
  return out;
}
