import type { EventId, RegionId, RegionKeyring, StreamId } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import type { MirrorAdminClient, PeerClient } from '../http/ServiceClients.js';
import type { MissingEvent } from './classifyMissing.js';
import { planCopies, planRecomputes } from './planDrillDown.js';
import { acceptRepairs, type RepairSink } from './RepairSink.js';

export interface RepairerOptions {
  readonly region: RegionId;
  readonly peers: ReadonlyMap<RegionId, PeerClient>;
  readonly repair: RepairSink;
  readonly mirror: Pick<MirrorAdminClient, 'recompute'>;
  readonly keyring: RegionKeyring;
  readonly maxEventBytes: number;
  readonly intervalMs: number;
  readonly logger: Logger;
}

/**
 * The two repairs of anti-entropy, for this region only (pull): copy the confirmed events it
 * lacks from a region that holds them into its repair topic, and ask its mirror to recompute
 * the streams whose stored state disagrees with their stored events. Neither is repeated for
 * max(30 s, 6 intervals): a copy or a recompute takes a moment to show.
 */
export class Repairer {
  private readonly copiedAt = new Map<EventId, number>();
  private readonly recomputedAt = new Map<StreamId, number>();
  readonly totals = { copied: 0, recomputed: 0, rejected: 0 };

  constructor(private readonly options: RepairerOptions) {}

  private get cooldown(): number {
    return Math.max(30_000, 6 * this.options.intervalMs);
  }

  async copyMissing(
    missing: readonly MissingEvent[],
    confirmed: ReadonlySet<string>,
    reachable: ReadonlySet<RegionId>,
    now: number,
  ): Promise<number> {
    const cooldown = this.cooldown;
    for (const [id, at] of this.copiedAt) if (now - at > cooldown) this.copiedAt.delete(id);
    const plan = planCopies({
      self: this.options.region,
      missing,
      confirmed,
      reachable,
      recentlyCopied: (id) => this.copiedAt.has(id),
    });
    let copied = 0;
    for (const [from, ids] of plan) {
      const peer = this.options.peers.get(from);
      if (!peer) continue;
      try {
        const received = await peer.events(ids);
        const { accepted, rejected } = await acceptRepairs(
          received,
          new Set(ids),
          this.options.keyring,
          this.options.maxEventBytes,
        );
        if (rejected.length > 0) {
          this.totals.rejected += rejected.length;
          this.options.logger.error(
            { from, rejected: rejected.slice(0, 20) },
            'refused events offered for repair (invalid or badly signed)',
          );
        }
        await this.options.repair.send(accepted);
        for (const e of accepted) this.copiedAt.set(e.id, now);
        copied += accepted.length;
        this.options.logger.info(
          {
            from,
            events: accepted.map((e) => ({ id: e.id, stream: e.stream })).slice(0, 50),
            count: accepted.length,
          },
          'copied missing events to the repair topic',
        );
      } catch (error) {
        this.options.logger.warn({ err: error, from, count: ids.length }, 'repair copy failed');
      }
    }
    this.totals.copied += copied;
    return copied;
  }

  async recompute(
    confirmed: ReadonlySet<string>,
    missing: readonly MissingEvent[],
    now: number,
  ): Promise<StreamId[]> {
    const cooldown = this.cooldown;
    for (const [s, at] of this.recomputedAt) if (now - at > cooldown) this.recomputedAt.delete(s);
    const streams = planRecomputes({
      self: this.options.region,
      confirmed,
      missing,
      recentlyRecomputed: (stream) => this.recomputedAt.has(stream),
    });
    if (streams.length === 0) return [];
    try {
      const result = await this.options.mirror.recompute(streams);
      for (const s of streams) this.recomputedAt.set(s, now);
      this.totals.recomputed += streams.length;
      this.options.logger.warn(
        { streams: streams.slice(0, 50), count: streams.length, changed: result.changed },
        'asked the mirror to recompute streams whose stored state disagrees with their events',
      );
      return streams;
    } catch (error) {
      this.options.logger.warn({ err: error, streams: streams.slice(0, 20) }, 'recompute failed');
      return [];
    }
  }
}
