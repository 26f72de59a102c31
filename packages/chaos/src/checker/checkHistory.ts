import {
  DomainRegistry,
  type EventId,
  type RegionId,
  type StreamId,
  type UnsignedEnvelope,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { AppliedEvent, History, RegionObservation } from './History.js';
import {
  ACCOUNT_INVARIANTS,
  foldAll,
  workloadValue,
  type Invariant,
  type OwnStreamFold,
} from './ownFold.js';

import { ANOMALY_KINDS, type Anomaly, type AnomalyKind, type CheckResult } from './anomalies.js';

export {
  ANOMALY_DESCRIPTIONS,
  ANOMALY_KINDS,
  type Anomaly,
  type AnomalyKind,
  type CheckResult,
} from './anomalies.js';

export interface CheckOptions {
  /** Examples kept per kind (counts are always complete). Default 20. */
  readonly examplesPerKind?: number;
  /** The reducers of the checker's own fold. Default: the example domains. */
  readonly registry?: DomainRegistry;
  /** Invariants asserted on every folded state. Default: {@link ACCOUNT_INVARIANTS}. */
  readonly invariants?: readonly Invariant[];
}

/**
 * The Jepsen-style checker: given what clients saw acknowledged and what every region holds
 * after the drain, finds lost, unseen and duplicated events, causal-order violations in each
 * region's applied log, unconverged streams, projections that disagree with an independent
 * fold, unresolved or differently resolved conflicts, and broken invariants.
 * Pure: it reads only the history.
 *
 * Its evidence is independent of what it checks: effects (a value applied twice, a definitely
 * failed value applied) are counted from the workload values in the stored events, the applied
 * feeds and the logs of record, never from primary keys or the projection's no-op flags; heads
 * and invariants come from its own fold of the stored events, never from stored heads or read
 * models (which are compared with that fold instead).
 */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const limit = options.examplesPerKind ?? 20;
  const counts = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])) as Record<
    AnomalyKind,
    number
  >;
  const anomalies: Anomaly[] = [];
  const report = (a: Anomaly) => {
    counts[a.kind]++;
    if (counts[a.kind] <= limit) anomalies.push(a);
  };

  const inLog = new Set(history.topics.flatMap((t) => t.eventIds));
  const appliedSets = new Map<RegionId, Set<EventId>>(
    history.regions.map((r) => [r.region, new Set(r.applied.map((e) => e.eventId))]),
  );

  const registry = options.registry ?? new DomainRegistry(defaultDomains);
  const invariants = options.invariants ?? ACCOUNT_INVARIANTS;

  checkAcknowledged(history, inLog, appliedSets, report);
  checkDefinitelyFailed(history, report);
  for (const region of history.regions) {
    const { folds } = foldAll(region.events, registry);
    checkEffects(region.region, 'stored events', folds, report);
    if (region.feed) {
      checkEffects(region.region, 'applied feed', foldAll(region.feed, registry).folds, report);
    }
    checkCausalOrder(region, report);
    checkProjection(region, report);
    checkFoldedStates(region, folds, invariants, report);
  }
  const { streams, converged } = checkConvergence(history.regions, report);
  const merges = checkResolutions(history.regions, report);

  return {
    ok: Object.values(counts).every((n) => n === 0),
    counts,
    anomalies,
    stats: {
      acked: history.acked.length,
      failed: history.failed.length,
      ambiguous: history.failed.filter((f) => f.ambiguous).length,
      appliedPerRegion: Object.fromEntries(
        history.regions.map((r) => [r.region, r.applied.length]),
      ),
      feedPerRegion: Object.fromEntries(
        history.regions.flatMap((r) => (r.feed ? [[r.region, r.feed.length]] : [])),
      ),
      streams,
      convergedStreams: converged,
      conflicts: new Set(history.regions.flatMap((r) => r.conflicts.map((c) => c.id))).size,
      merges,
    },
  };
}

function checkAcknowledged(
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
function checkDefinitelyFailed(history: History, report: (a: Anomaly) => void): void {
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
function checkEffects(
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

/** Heads and invariants of the checker's own fold; read models compared with it. */
function checkFoldedStates(
  region: RegionObservation,
  folds: readonly OwnStreamFold[],
  invariants: readonly Invariant[],
  report: (a: Anomaly) => void,
): void {
  const byStream = new Map(folds.map((f) => [f.stream, f]));
  for (const fold of folds) {
    if (fold.heads.length > 1) {
      report({
        kind: 'unresolved-conflict',
        region: region.region,
        stream: fold.stream,
        detail: `${fold.heads.length} heads: ${fold.heads.join(', ')}`,
      });
    }
    for (const invariant of invariants) {
      if (invariant.category !== fold.category) continue;
      const broken = invariant.check(fold.state);
      if (broken !== undefined) {
        report({
          kind: 'invariant',
          region: region.region,
          stream: fold.stream,
          detail: `${invariant.name}: ${broken}`,
        });
      }
    }
  }
  for (const b of region.balances) {
    const folded = (byStream.get(b.stream)?.state as { balance?: unknown } | undefined)?.balance;
    if (folded !== b.balance) {
      report({
        kind: 'invariant',
        region: region.region,
        stream: b.stream,
        detail: `read model balance ${b.balance} ≠ folded ${String(folded)}`,
      });
    }
  }
}

function checkCausalOrder(region: RegionObservation, report: (a: Anomaly) => void): void {
  // The first application of an id counts (a repeated one is reported as a duplicate).
  const seqOf = new Map<EventId, number>();
  for (const e of region.applied) {
    const known = seqOf.get(e.eventId);
    if (known === undefined || e.appliedSeq < known) seqOf.set(e.eventId, e.appliedSeq);
  }
  const dependencies = (e: AppliedEvent) => (e.causedBy ? [...e.parents, e.causedBy] : e.parents);
  for (const e of region.applied) {
    for (const dep of dependencies(e)) {
      const depSeq = seqOf.get(dep);
      if (depSeq === undefined || depSeq >= e.appliedSeq) {
        report({
          kind: 'causal-violation',
          region: region.region,
          stream: e.stream,
          eventId: e.eventId,
          detail:
            depSeq === undefined
              ? `applied without its dependency ${dep}`
              : `applied at ${e.appliedSeq}, before its dependency ${dep} (at ${depSeq})`,
        });
      }
    }
  }
}

function checkProjection(region: RegionObservation, report: (a: Anomaly) => void): void {
  const recomputed = new Map(region.recomputed.map((s) => [s.stream, s]));
  for (const stored of region.streams) {
    const fresh = recomputed.get(stored.stream);
    if (!fresh) {
      report({
        kind: 'projection-mismatch',
        region: region.region,
        stream: stored.stream,
        detail: 'no events behind a projected stream',
      });
      continue;
    }
    if (fresh.eventSetHash !== stored.eventSetHash || fresh.stateHash !== stored.stateHash) {
      report({
        kind: 'projection-mismatch',
        region: region.region,
        stream: stored.stream,
        detail: `stored ${short(stored.eventSetHash)}/${short(stored.stateHash)} ≠ recomputed ${short(fresh.eventSetHash)}/${short(fresh.stateHash)}`,
      });
    }
  }
}

function checkConvergence(
  regions: readonly RegionObservation[],
  report: (a: Anomaly) => void,
): { streams: number; converged: number } {
  const streams = new Set(regions.flatMap((r) => r.recomputed.map((s) => s.stream)));
  const byRegion = regions.map((r) => ({
    region: r.region,
    digests: new Map(r.recomputed.map((s) => [s.stream, s])),
  }));
  let converged = 0;
  for (const stream of [...streams].sort()) {
    const digests = byRegion.map((r) => ({ region: r.region, digest: r.digests.get(stream) }));
    const sets = new Set(digests.map((d) => d.digest?.eventSetHash ?? 'absent'));
    const states = new Set(digests.map((d) => d.digest?.stateHash ?? 'absent'));
    if (sets.size === 1 && states.size === 1) {
      converged++;
      continue;
    }
    report({
      kind: 'unconverged',
      stream,
      detail: digests
        .map(
          (d) =>
            `${d.region}: ${d.digest ? `${short(d.digest.eventSetHash)}/${short(d.digest.stateHash)}` : 'absent'}`,
        )
        .join(', '),
    });
  }
  return { streams: streams.size, converged };
}

function checkResolutions(
  regions: readonly RegionObservation[],
  report: (a: Anomaly) => void,
): number {
  // Automated merges of one conflict (same stream, same parents) must be one event everywhere.
  const mergesByParents = new Map<string, Set<EventId>>();
  for (const r of regions) {
    for (const e of r.applied) {
      if (e.type !== 'concord.merge') continue;
      const key = `${e.stream}\u0000${[...e.parents].sort().join(',')}`;
      const ids = mergesByParents.get(key) ?? new Set<EventId>();
      ids.add(e.eventId);
      mergesByParents.set(key, ids);
    }
  }
  for (const [key, ids] of mergesByParents) {
    if (ids.size > 1) {
      report({
        kind: 'divergent-resolution',
        stream: key.split('\u0000')[0],
        detail: `one conflict merged by ${ids.size} different events: ${[...ids].join(', ')}`,
      });
    }
  }
  // One merge id must carry the same content everywhere (its fields are a pure function of
  // the conflict). Which event resolved a conflict *in a region's arrival order* may differ
  // legitimately, so that is not compared; the final heads and states are.
  const contentById = new Map<EventId, Map<string, RegionId[]>>();
  for (const r of regions) {
    for (const e of r.applied) {
      if (e.type !== 'concord.merge' || e.contentHash === undefined) continue;
      const m = contentById.get(e.eventId) ?? new Map<string, RegionId[]>();
      m.set(e.contentHash, [...(m.get(e.contentHash) ?? []), r.region]);
      contentById.set(e.eventId, m);
    }
  }
  for (const [id, byContent] of contentById) {
    if (byContent.size > 1) {
      report({
        kind: 'divergent-resolution',
        eventId: id,
        detail: `merge ${id} has different content in ${[...byContent.values()].map((rs) => rs.join('+')).join(' vs ')}`,
      });
    }
  }
  return [...mergesByParents.values()].reduce((n, s) => n + s.size, 0);
}

function short(hash: string): string {
  return hash.slice(0, 8);
}
