import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '@concord/core';
import type { Anomaly } from './anomalies.js';
import type { History } from './History.js';
import { workloadValue, type OwnStreamFold } from './ownFold.js';

/*
 * The checks of what clients were told (docs/chaos.md): acknowledged events found and applied
 * everywhere, definitely failed writes found nowhere, each workload value in effect once.
 */

export function checkAcknowledged(
  history: History,
  inLog: ReadonlySet<EventId>,
  appliedSets: ReadonlyMap<RegionId, ReadonlySet<EventId>>,
  report: (a: Anomaly) => void,
): void {
  for (const ack of history.acked) {
    const appliedSomewhere = [...appliedSets.values()].some((s) => s.has(ack.eventId));
    if (!inLog.has(ack.eventId) && !appliedSomewhere) {
      report({
        kind: 'lost',
        region: ack.region,
        stream: ack.stream,
        eventId: ack.eventId,
        detail: `acknowledged by ${ack.region} at ${new Date(ack.at).toISOString()}, found nowhere`,
      });
      continue;
    }
    for (const [region, applied] of appliedSets) {
      if (!applied.has(ack.eventId)) {
        report({
          kind: 'unseen',
          region,
          stream: ack.stream,
          eventId: ack.eventId,
          detail: `acknowledged by ${ack.region}, not applied in ${region}`,
        });
      }
    }
  }
}

/** No value of a write reported as definitely failed may be anywhere. */
export function checkDefinitelyFailed(history: History, report: (a: Anomaly) => void): void {
  const failed = new Map(history.failed.filter((f) => !f.ambiguous).map((f) => [f.value, f]));
  if (failed.size === 0) return;
  const found = (where: string, region: RegionId, e: { id?: EventId; value?: string }) => {
    const f = e.value === undefined ? undefined : failed.get(e.value);
    if (!f) return;
    report({
      kind: 'failed-applied',
      region,
      stream: f.stream,
      ...(e.id === undefined ? {} : { eventId: e.id }),
      detail: `value ${f.value} answered ${f.code} (definite) by ${f.region}, found in ${where}`,
    });
  };
  for (const topic of history.topics) {
    for (const r of topic.records ?? []) {
      found(`the events topic of ${topic.origin}`, topic.origin, { id: r.eventId, value: r.value });
    }
  }
  for (const region of history.regions) {
    const sources: [string, readonly UnsignedEnvelope[]][] = [
      ['the stored events', region.events],
      ['the applied feed', region.feed ?? []],
    ];
    for (const [where, events] of sources) {
      const once = new Set<EventId>();
      for (const e of events) {
        if (once.has(e.id)) continue;
        once.add(e.id);
        found(`${where} of ${region.region}`, region.region, { id: e.id, value: workloadValue(e) });
      }
    }
  }
}

/**
 * A workload value is unique per write (and is its idempotency key), so it may take effect
 * once per region: the events carrying it that the fold applies (no-ops of a repeated key
 * excluded) are counted, whatever their ids.
 */
export function checkEffects(
  region: RegionId,
  where: string,
  folds: readonly OwnStreamFold[],
  report: (a: Anomaly) => void,
): void {
  const byValue = new Map<string, { stream: StreamId; ids: EventId[] }>();
  for (const fold of folds) {
    for (const e of fold.effective) {
      const value = workloadValue(e);
      if (value === undefined) continue;
      const entry = byValue.get(value) ?? { stream: e.stream, ids: [] };
      entry.ids.push(e.id);
      byValue.set(value, entry);
    }
  }
  for (const [value, { stream, ids }] of byValue) {
    if (ids.length < 2) continue;
    report({
      kind: 'duplicate',
      region,
      stream,
      eventId: ids[1]!,
      detail: `value ${value} took effect ${ids.length} times in the ${where} (events ${ids.join(', ')})`,
    });
  }
}
