import type { EventId } from '@concord/core';
import type { Anomaly } from './anomalies.js';
import type { AppliedEvent, RegionObservation } from './History.js';
import type { Invariant, OwnStreamFold } from './ownFold.js';

/*
 * The checks of one region's observation (docs/chaos.md): its own fold's heads and invariants,
 * the causal order of its applied log, its projection against the recomputed one.
 */

/** Heads and invariants of the checker's own fold; read models compared with it. */
export function checkFoldedStates(
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

export function checkCausalOrder(region: RegionObservation, report: (a: Anomaly) => void): void {
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

export function checkProjection(region: RegionObservation, report: (a: Anomaly) => void): void {
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

/** The first 8 characters of a hash, for details. */
export function short(hash: string): string {
  return hash.slice(0, 8);
}
