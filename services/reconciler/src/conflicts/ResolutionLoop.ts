import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  RESOLUTION_POLICIES,
  type DomainRegistry,
  type RegionId,
  type UnsignedEnvelope,
} from '@concord/core';
import {
  currentTraceparent,
  inSpan,
  SpanAttr,
  type Logger,
  type Metrics,
} from '@concord/telemetry';
import type { WriterAdminClient } from '../http/ServiceClients.js';
import { responsibility } from '../ownership/responsibility.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';
import { planResolution, type OpenConflictRow } from './planResolution.js';
import { StreamBackoff } from './StreamBackoff.js';

export interface ResolutionLoopOptions {
  readonly region: RegionId;
  readonly regions: readonly RegionId[];
  readonly store: ReconcilerStore;
  readonly registry: DomainRegistry;
  readonly writer: Pick<WriterAdminClient, 'appendMerge'>;
  readonly isReachable: (region: RegionId) => boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  readonly now?: () => number;
  /** Open conflicts read per round, oldest first. Default 500. */
  readonly batch?: number;
  /** Conflicts resolved at once. Default 8. */
  readonly parallelism?: number;
  /**
   * After appending a merge, how long to wait for it to come back through the projection before
   * appending it again (a harmless duplicate: same id). Default 5000 ms.
   */
  readonly reemitAfterMs?: number;
  readonly backoff?: StreamBackoff;
}

/** What one round did. */
export interface ResolutionRoundResult {
  readonly open: number;
  readonly emitted: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * The resolution loop (docs/semantics.md §5): reads this region's open conflicts, and for the streams this
 * region is responsible for (owner, or next in the failover order while the owner is
 * unreachable) appends the `concord.merge` of the category's policy through the region's
 * writer. Right before appending it re-checks that the conflict is still open with the same
 * heads and that the merge is not applied yet; a failure backs the stream off, alone.
 */
export class ResolutionLoop {
  private readonly backoff: StreamBackoff;
  private readonly emittedAt = new Map<string, number>();
  private readonly now: () => number;
  readonly totals = { emitted: 0, duplicates: 0, failed: 0 };

  constructor(private readonly options: ResolutionLoopOptions) {
    this.backoff = options.backoff ?? new StreamBackoff();
    this.now = options.now ?? Date.now;
  }

  /** Streams currently backing off after a failure. */
  get backingOff(): number {
    return this.backoff.size();
  }

  async round(): Promise<ResolutionRoundResult> {
    const { store, metrics } = this.options;
    const open = await store.openConflicts(this.options.batch ?? 500);
    metrics.conflictsOpen.set(await store.openConflictCount());
    // A fenced region's writer refuses merges: its reconciler is not ready either, so the
    // other regions stand in for the streams it owns.
    if (open.length > 0 && (await store.fence()).fenced) {
      return {
        open: open.length,
        emitted: 0,
        duplicates: 0,
        failed: 0,
        skipped: { fenced: open.length },
      };
    }
    const skipped: Record<string, number> = {};
    let emitted = 0;
    let duplicates = 0;
    let failed = 0;
    const queue = [...open];
    const worker = async () => {
      for (let conflict = queue.shift(); conflict; conflict = queue.shift()) {
        if (this.backoff.blocked(conflict.stream, this.now())) {
          skipped['backoff'] = (skipped['backoff'] ?? 0) + 1;
          continue;
        }
        try {
          const outcome = await this.resolve(conflict);
          if (outcome === 'emitted') emitted++;
          else if (outcome === 'duplicate') duplicates++;
          else skipped[outcome] = (skipped[outcome] ?? 0) + 1;
          this.backoff.success(conflict.stream);
        } catch (error) {
          failed++;
          const delay = this.backoff.failure(conflict.stream, this.now());
          this.options.logger.warn(
            { err: error, stream: conflict.stream, conflictId: conflict.id, retryInMs: delay },
            'conflict resolution failed; backing off this stream',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.parallelism ?? 8 }, worker));
    this.totals.emitted += emitted;
    this.totals.duplicates += duplicates;
    this.totals.failed += failed;
    const cutoff = this.now() - 10 * 60_000;
    for (const [id, at] of this.emittedAt) if (at < cutoff) this.emittedAt.delete(id);
    return { open: open.length, emitted, duplicates, failed, skipped };
  }

  /** Resolves one conflict if this region should; returns what happened. */
  private async resolve(
    conflict: OpenConflictRow,
  ): Promise<
    'emitted' | 'duplicate' | 'manual' | 'not-responsible' | 'stale' | 'schema-version' | 'awaiting'
  > {
    const { store, registry, regions, region, logger } = this.options;
    const module = registry.forStream(conflict.stream);
    const who = responsibility(conflict.stream, regions, region, this.options.isReachable);
    let events: readonly UnsignedEnvelope[] = [];
    if (who.role !== 'none' && module.policy !== RESOLUTION_POLICIES.manual) {
      events = (await store.streamEvents(conflict.stream)).map((e) => e.envelope);
    }
    const plan = planResolution({
      conflict,
      module,
      regions,
      self: region,
      isReachable: this.options.isReachable,
      events: () => events,
    });
    if (plan.action === 'skip') return plan.reason;
    const { merge } = plan;
    const last = this.emittedAt.get(merge.id);
    if (last !== undefined && this.now() - last < (this.options.reemitAfterMs ?? 5000)) {
      return 'awaiting';
    }
    return inSpan(
      this.options.tracer,
      'reconciler.resolve',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [SpanAttr.region]: region,
          [SpanAttr.stream]: conflict.stream,
          [SpanAttr.eventId]: merge.id,
          [SpanAttr.origin]: merge.origin,
          'concord.conflict_id': conflict.id,
          'concord.policy': plan.policy,
          'concord.role': plan.role,
        },
      },
      async (span) => {
        // Re-check right before appending: still open, still these heads, merge not applied.
        const current = await store.conflictAndHeads(conflict.id);
        const heads = current?.heads?.join(',');
        if (current?.status !== 'open' || heads !== conflict.heads.join(',')) {
          span.setAttribute('concord.outcome', 'stale');
          return 'stale' as const;
        }
        if ((await store.appliedAmong([merge.id])).size > 0) {
          span.setAttribute('concord.outcome', 'applied');
          return 'stale' as const;
        }
        const answer = await this.options.writer.appendMerge(merge, currentTraceparent());
        this.emittedAt.set(merge.id, this.now());
        await store.recordResolution({
          conflictId: conflict.id,
          stream: conflict.stream,
          mergeId: merge.id,
          policy: plan.policy,
          role: plan.role,
          duplicate: answer.duplicate,
        });
        span.setAttribute('concord.outcome', answer.duplicate ? 'duplicate' : 'emitted');
        if (answer.duplicate) return 'duplicate' as const;
        this.options.metrics.conflictsResolved.inc({ policy: plan.policy });
        logger.info(
          {
            stream: conflict.stream,
            conflictId: conflict.id,
            mergeId: merge.id,
            policy: plan.policy,
            role: plan.role,
            owner: plan.owner,
            heads: conflict.heads,
          },
          plan.role === 'owner' ? 'conflict resolved' : 'conflict resolved as failover',
        );
        return 'emitted' as const;
      },
    );
  }
}
