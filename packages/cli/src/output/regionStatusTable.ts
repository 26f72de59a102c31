/* The region table of `concord status` (one row per region; see docs/operations.md). */
import { renderTable } from './renderTable.js';
import type { RegionStatus } from '../commands/regionStatus.js';

const seconds = (s: number | null | undefined) =>
  s === null || s === undefined ? '-' : s < 10 ? `${s.toFixed(2)}s` : `${s.toFixed(0)}s`;

/** Records not yet applied per origin, with the age of the oldest (`-` when the mirror is silent). */
export function renderBacklog(r: Pick<RegionStatus, 'backlog' | 'backlogError'>): string {
  if (!r.backlog) return `? (mirror: ${r.backlogError ?? 'no answer'})`;
  return (
    r.backlog.origins
      .map((o) => `${o.origin} ${o.records}${o.records > 0 ? ` (${seconds(o.seconds)})` : ''}`)
      .join(', ') || '-'
  );
}

/** Whether the mirror's apply transactions commit: `ok`, `FAILING since … (code)`, or a long wait. */
export function renderApply(r: Pick<RegionStatus, 'backlog'>): string {
  const apply = r.backlog?.apply;
  if (!apply) return '?';
  if (apply.failing) {
    return `FAILING since ${apply.failing.since.slice(11, 19)} (${apply.failing.code}) for ${seconds(apply.failing.seconds)}`;
  }
  return apply.openSeconds >= 5 ? `transaction open ${seconds(apply.openSeconds)}` : 'ok';
}

/** The per-region table of `concord status`. */
export function renderRegionStatus(regions: readonly RegionStatus[]): string {
  return renderTable(
    [
      'region',
      'fenced',
      'apply',
      'backlog by origin',
      'lag p50/max by origin (last 60 s)',
      'pending',
      'open conflicts',
      'divergent',
      'last comparison',
    ],
    regions.map((r) => {
      if (!r.status) {
        return [
          r.region,
          r.fenced === undefined ? '?' : r.fenced ? 'FENCED' : 'no',
          renderApply(r),
          renderBacklog(r),
          `NO ANSWER: ${r.error ?? ''}`,
          '?',
          '?',
          '?',
          '?',
        ];
      }
      const s = r.status;
      const lag = s.lag
        .map(
          (l) =>
            `${l.origin} ${l.events > 0 ? `${seconds(l.lagP50)}/${seconds(l.lagMax)}` : `idle ${seconds(l.lastAppliedAgo)}`}`,
        )
        .join(', ');
      const c = s.convergence;
      const comparison = !c
        ? 'none yet'
        : [
            `${c.comparedAt.slice(11, 19)} ${c.converged ? 'converged' : `${c.differingStreams} streams differ`}`,
            c.unreachable.length ? `unreachable: ${c.unreachable.join(',')}` : '',
            c.convergenceSeconds !== null
              ? `last convergence took ${seconds(c.convergenceSeconds)}`
              : '',
          ]
            .filter(Boolean)
            .join('; ');
      return [
        r.region,
        s.fenced ? `FENCED${s.fenceReason ? ` (${s.fenceReason})` : ''}` : 'no',
        renderApply(r),
        renderBacklog(r),
        lag || '-',
        s.pending.count === 0
          ? '0'
          : `${s.pending.count} (oldest ${seconds(s.pending.oldestSeconds)})`,
        String(s.openConflicts),
        `${s.divergentStreams ?? '?'}${s.splitBrain?.suspected ? ' SPLIT-BRAIN SUSPECTED' : ''}`,
        comparison,
      ];
    }),
  );
}
