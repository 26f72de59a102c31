import type { EventId, RegionId, StreamId } from '@concord/core';

/** What the checker looks for; each is a broken promise of docs/semantics.md (listed in docs/chaos.md). */
export const ANOMALY_KINDS = [
  'lost',
  'unseen',
  'failed-applied',
  'duplicate',
  'causal-violation',
  'unconverged',
  'projection-mismatch',
  'unresolved-conflict',
  'divergent-resolution',
  'invariant',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const ANOMALY_DESCRIPTIONS: Readonly<Record<AnomalyKind, string>> = {
  lost: 'acknowledged event missing from the log of record and from every region',
  unseen: 'acknowledged event not applied in a region after the drain',
  'failed-applied':
    'a write reported as definitely failed whose value is in a log of record, a region or a feed',
  duplicate:
    'a unique workload value that took effect twice in a region (its stored events or its applied feed)',
  'causal-violation': 'an event applied before one of its parents or its causedBy',
  unconverged: 'a stream whose event set or state differs between regions',
  'projection-mismatch': 'a projection whose stored digest differs from an independent fold',
  'unresolved-conflict':
    'a stream still having several heads (by the checker’s fold) after the drain',
  'divergent-resolution':
    'a conflict resolved by different merge events or differently in two regions',
  invariant:
    'a domain invariant broken in the checker’s fold (an account balance below zero), or a read model disagreeing with it',
};

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly region?: RegionId;
  readonly stream?: StreamId;
  readonly eventId?: EventId;
  readonly detail: string;
}

/** What `checkHistory` reports. */
export interface CheckResult {
  /** True when no anomaly of any kind was found. */
  readonly ok: boolean;
  readonly counts: Readonly<Record<AnomalyKind, number>>;
  /** Up to `examplesPerKind` anomalies of each kind. */
  readonly anomalies: readonly Anomaly[];
  readonly stats: {
    readonly acked: number;
    readonly failed: number;
    readonly ambiguous: number;
    readonly appliedPerRegion: Readonly<Record<RegionId, number>>;
    /** Records read back from each region's applied feed (absent when not read). */
    readonly feedPerRegion: Readonly<Record<RegionId, number>>;
    readonly streams: number;
    readonly convergedStreams: number;
    readonly conflicts: number;
    readonly merges: number;
  };
}
