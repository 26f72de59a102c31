import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { RegionId, StreamId } from '@concord/core';
import { inSpan, SpanAttr, type Metrics } from '@concord/telemetry';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';
import { compareDigests } from './compareDigests.js';
import { ConvergenceClock } from './ConvergenceClock.js';
import { DivergenceTracker } from './DivergenceTracker.js';
import type { LocalDigests } from './LocalDigests.js';
import { confirmedStreams, divergenceCandidates } from './planDrillDown.js';
import type { ConvergenceReport } from './ConvergenceReport.js';
import { Repairer, type RepairerOptions } from './Repairer.js';
import { splitBrainVerdict, StallWatch, type SplitBrainThresholds } from './splitBrain.js';
import { LIST_CAP, missingByRegion, versionGaps } from './summarizeMissing.js';

export type { ConvergenceReport, RegionComparison } from './ConvergenceReport.js';

export interface AntiEntropyOptions extends RepairerOptions {
  readonly regions: readonly RegionId[];
  readonly digests: LocalDigests;
  readonly store: ReconcilerStore;
  /** True for `<ns>.events.<region>` topic names. */
  readonly isOriginTopic: (topic: string) => boolean;
  /** See classifyMissing: whether a reader consumes an origin topic itself (false in mm2 but for the origin). */
  readonly readsDirectly?: (topic: string, reader: RegionId) => boolean;
  readonly thresholds: SplitBrainThresholds;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  readonly now?: () => number;
}

/**
 * Anti-entropy (docs/reconciler.md §4), pull model: every round this region compares its independently
 * computed digests with every other region's (their reconcilers' `/v1/digest`), drills down
 * only into differing buckets, then streams, then ids; copies the events it lacks from a
 * region that has them (their stored signed envelopes, verified, produced unchanged to this
 * region's repair topic) and asks its mirror to recompute its own stored rows that disagree
 * with their events. Differences provably in flight never count (see classifyMissing and
 * DivergenceTracker).
 */
export class AntiEntropy {
  private readonly tracker: DivergenceTracker;
  private readonly clock = new ConvergenceClock();
  private readonly stalls = new StallWatch();
  private readonly repairer: Repairer;
  /** Streams that differed since the last converged comparison (the divergence episode). */
  private episode = new Set<StreamId>();
  private suspected = false;
  private report: ConvergenceReport | undefined;
  /** The version gaps last logged, and when (logged on change, at most once a minute else). */
  private lastGapKey = '[]';
  private lastGapLog = 0;
  private readonly now: () => number;
  private rounds = 0;

  /** What the rounds did so far. */
  get totals(): { rounds: number; copied: number; recomputed: number; rejected: number } {
    return { rounds: this.rounds, ...this.repairer.totals };
  }

  constructor(private readonly options: AntiEntropyOptions) {
    this.tracker = new DivergenceTracker(options.intervalMs);
    this.repairer = new Repairer(options);
    this.now = options.now ?? Date.now;
  }

  /** The last comparison, if one ran. */
  get last(): ConvergenceReport | undefined {
    return this.report;
  }

  async round(): Promise<ConvergenceReport> {
    return inSpan(
      this.options.tracer,
      'reconciler.anti_entropy',
      { kind: SpanKind.INTERNAL, attributes: { [SpanAttr.region]: this.options.region } },
      async (span) => {
        const report = await this.compare();
        span.setAttributes({
          'concord.converged': report.converged,
          'concord.differing_buckets': report.differingBuckets.length,
          'concord.differing_streams': report.differingStreams.length,
          'concord.divergent_streams': report.divergentStreams.length,
          'concord.repaired_events': report.repairs.copied,
          'concord.recomputed_streams': report.repairs.recomputed.length,
        });
        return report;
      },
    );
  }

  private async compare(): Promise<ConvergenceReport> {
    const { region: self, store, logger, metrics } = this.options;
    const started = this.now();
    // Read before the snapshot: a write accepted later cannot be part of what is compared.
    const lastWriteAt =
      this.episode.size > 0
        ? await store.lastWriteAt([...this.episode]).catch(() => undefined)
        : undefined;
    const local = await this.options.digests.snapshot(0);
    const {
      regions,
      offsets,
      mismatches,
      reachable,
      buckets,
      divergences,
      stateDivergences,
      missing,
    } = await compareDigests({
      self,
      local,
      peers: this.options.peers,
      store,
      isOriginTopic: this.options.isOriginTopic,
      readsDirectly: this.options.readsDirectly,
    });

    // Confirmation: what is more than in-flight data.
    const now = this.now();
    const localMismatches = local.mismatches.map((m) => ({
      stream: m.stream,
      fingerprint: `${local.digests.get(m.stream)?.eventSetHash ?? '-'}|${m.problems.join(',')}`,
    }));
    const confirmed = this.tracker.observe(
      now,
      divergenceCandidates({ missing, stateDivergences, localMismatches, offsets }),
    );
    const divergent = [...confirmedStreams(confirmed, missing)].sort();

    // Repairs: copy what this region lacks; recompute its own disagreeing rows.
    const copied = await this.repairer.copyMissing(missing, confirmed, reachable, now);
    const recomputed = await this.repairer.recompute(confirmed, missing, now);

    const allReachable = reachable.size === this.options.regions.length;
    const converged =
      allReachable &&
      buckets.length === 0 &&
      Object.values(mismatches).every((list) => list.length === 0);
    const measured = this.clock.observe({
      at: local.computedAt,
      converged,
      allReachable,
      lastWriteAt,
    });
    if (measured !== undefined) {
      metrics.convergenceSeconds.set(measured);
      logger.info({ seconds: measured }, 'regions converged');
    }
    if (converged) this.episode.clear();
    else for (const d of divergences) this.episode.add(d.stream);
    metrics.divergentStreams.set(divergent.length);

    const rate = await store
      .conflictRate()
      .catch(() => ({ lastMinute: 0, baselinePerMinute: undefined }));
    const conflictsLastMinute = rate.lastMinute;
    const stalledPairs = this.stalls.observe(now, missing, this.options.thresholds.stalledMs);
    const verdict = splitBrainVerdict(
      {
        conflictsLastMinute,
        conflictsBaselinePerMinute: rate.baselinePerMinute,
        divergentStreams: divergent.length,
        stalledPairs,
      },
      this.options.thresholds,
    );
    metrics.splitBrainSuspected.set(verdict.suspected ? 1 : 0);
    if (verdict.suspected !== this.suspected) {
      this.suspected = verdict.suspected;
      if (verdict.suspected)
        logger.error({ reasons: verdict.reasons }, 'split brain suspected: consider fencing');
      else logger.info('split-brain suspicion cleared');
    }

    const gaps = versionGaps(missing);
    const gapKey = JSON.stringify(Object.entries(gaps).map(([r, g]) => [r, g.events]));
    if (gapKey !== '[]' && (gapKey !== this.lastGapKey || now - this.lastGapLog > 60_000)) {
      this.lastGapKey = gapKey;
      this.lastGapLog = now;
      logger.warn(
        { versionGaps: gaps },
        'version gap: regions hold events their code cannot interpret yet (not divergence; upgrade them)',
      );
    }
    this.rounds++;
    this.report = {
      region: self,
      comparedAt: new Date(started).toISOString(),
      durationMs: this.now() - started,
      converged,
      regions,
      differingBuckets: buckets,
      differingStreams: divergences
        .slice(0, LIST_CAP)
        .map((d) => ({ ...d, confirmed: divergent.includes(d.stream) })),
      missing: missingByRegion(missing),
      projectionMismatches: mismatches,
      divergentStreams: divergent,
      versionGaps: gaps,
      convergenceSeconds: this.clock.lastSeconds ?? null,
      repairs: { copied, recomputed },
      splitBrain: {
        suspected: verdict.suspected,
        conflictsLastMinute,
        stalledPairs,
        reasons: verdict.reasons,
      },
    };
    if (divergent.length > 0 || copied > 0 || recomputed.length > 0) {
      logger.warn(
        {
          divergent: divergent.slice(0, 20),
          divergentCount: divergent.length,
          copied,
          recomputed: recomputed.slice(0, 20),
        },
        'anti-entropy found divergence',
      );
    }
    return this.report;
  }
}
