import type { RegionId, StreamDivergence, StreamId } from '@concord/core';
import type { MissingEvent } from './classifyMissing.js';
import type { ProjectionProblem } from './LocalDigests.js';

/** One region as the last comparison saw it. */
export interface RegionComparison {
  readonly reachable: boolean;
  readonly error?: string;
  readonly computedAt?: string;
  readonly streams?: number;
  readonly events?: number;
}

/** The last cross-region comparison (`GET /v1/convergence`). */
export interface ConvergenceReport {
  readonly region: RegionId;
  readonly comparedAt: string;
  readonly durationMs: number;
  /** Every region answered, every digest was equal and no stored projection disagreed. */
  readonly converged: boolean;
  readonly regions: Readonly<Record<RegionId, RegionComparison>>;
  readonly differingBuckets: readonly number[];
  readonly differingStreams: readonly (StreamDivergence & { confirmed: boolean })[];
  /** Per region, the events it lacks, with why (at most 200 per region listed). */
  readonly missing: Readonly<Record<RegionId, readonly Omit<MissingEvent, 'region'>[]>>;
  /** Per region, stored stream rows that disagree with the independent fold. */
  readonly projectionMismatches: Readonly<
    Record<RegionId, readonly { stream: StreamId; problems: readonly ProjectionProblem[] }[]>
  >;
  /** Streams confirmed divergent (not in flight): `concord_divergent_streams`. */
  readonly divergentStreams: readonly StreamId[];
  /**
   * Version gaps, per region: events it received but holds because its code cannot interpret
   * their schema version (or type) yet, and their streams (at most 200). Never divergence: the
   * region is behind in code, not in data; upgrading it closes the gap (docs/schema-evolution.md).
   */
  readonly versionGaps: Readonly<
    Record<RegionId, { readonly events: number; readonly streams: readonly StreamId[] }>
  >;
  /** The last measured convergence time, seconds (`concord_convergence_seconds`). */
  readonly convergenceSeconds: number | null;
  readonly repairs: { readonly copied: number; readonly recomputed: readonly StreamId[] };
  readonly splitBrain: {
    readonly suspected: boolean;
    readonly conflictsLastMinute: number;
    /** Region pairs each holding events the other has not received for the stall time. */
    readonly stalledPairs: readonly string[];
    readonly reasons: readonly string[];
  };
}
