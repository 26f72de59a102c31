import { DomainRegistry, type EventId, type RegionId } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { checkConvergence, checkResolutions } from './convergenceChecks.js';
import type { History } from './History.js';
import { ACCOUNT_INVARIANTS, foldAll, type Invariant } from './ownFold.js';
import { checkCausalOrder, checkFoldedStates, checkProjection } from './regionChecks.js';
import { checkAcknowledged, checkDefinitelyFailed, checkEffects } from './writeOutcomeChecks.js';

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
