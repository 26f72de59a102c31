import { Counter, Gauge } from 'prom-client';
import { adminTopicOffsets, type Admin, type Kafka } from '@concord/kafka';
import type { Metrics } from '@concord/telemetry';
import type { AcceptedGap, PartitionBacklog } from '../consume/SourceConsumer.js';
import type { ClassifiedRecord } from '../apply/ApplyTypes.js';

/** The backlog of one origin in one region (docs/operations.md, "Backlog"). */
export interface OriginBacklog {
  readonly origin: string;
  /** Records in the source log not yet applied: Σ (log end − applied offset) per partition. */
  readonly records: number;
  /** Age of the oldest fetched record not yet applied (its Kafka timestamp), in seconds. */
  readonly seconds: number;
}

/** How long a scrape waits for a fresh reading of the log ends before it uses the last one. */
export const BACKLOG_READ_WAIT_MS = 250;

/** One source consumer as the backlog sees it. */
export interface BacklogSource {
  readonly kafka: Kafka;
  /** Topic → the origin its records come from (`repair` for the repair topic). */
  readonly carries: ReadonlyMap<string, string>;
  backlog(): PartitionBacklog[];
}

/**
 * Sums the per-partition backlog by origin. Pure: `ends` are the log-end offsets read from the
 * cluster (`<topic>:<partition>` → high watermark), `now` the local time in ms. A partition's
 * log end is the larger of that reading and the high watermark its last fetch reported; a
 * partition whose applied offset or log end is not known yet counts nothing.
 */
export function originBacklog(
  parts: readonly PartitionBacklog[],
  ends: ReadonlyMap<string, bigint>,
  carries: ReadonlyMap<string, string>,
  now: number,
): OriginBacklog[] {
  const by = new Map<string, { records: number; seconds: number }>();
  for (const origin of carries.values()) by.set(origin, { records: 0, seconds: 0 });
  for (const p of parts) {
    const origin = carries.get(p.topic);
    const read = ends.get(`${p.topic}:${p.partition}`);
    const end =
      read === undefined || (p.fetchedLogEnd !== undefined && p.fetchedLogEnd > read)
        ? p.fetchedLogEnd
        : read;
    if (origin === undefined || end === undefined || p.applied === undefined) continue;
    const b = by.get(origin)!;
    const behind = end > p.applied ? Number(end - p.applied) : 0;
    b.records += behind;
    if (behind > 0 && p.oldestUnappliedAt !== undefined) {
      b.seconds = Math.max(b.seconds, Math.max(0, now - p.oldestUnappliedAt) / 1000);
    }
  }
  return [...by].map(([origin, b]) => ({ origin, ...b }));
}

/**
 * The mirror's per-source metrics, none of which needs the apply transaction: the replication
 * backlog (log ends from Kafka, applied offsets and fetched-but-unapplied records from the
 * consumers' memory), accepted offset gaps, and the clock skew of each origin.
 */
export class SourceMetrics {
  readonly gaps: Counter<'topic'>;
  readonly gapRecords: Counter<'topic'>;
  readonly clockSkew: Gauge<'origin'>;
  private readonly records: Gauge<'origin'>;
  private readonly seconds: Gauge<'origin'>;
  private sources: readonly BacklogSource[] = [];
  /** Last log ends read from the clusters (`<topic>:<partition>` → high watermark). */
  private readonly ends = new Map<string, bigint>();
  private reading: Promise<void> | undefined;
  /** One admin client per source cluster for the mirror's life, connected on first use. */
  private readonly admins = new Map<BacklogSource, { admin: Admin; connected?: Promise<void> }>();
  private closed = false;

  constructor(metrics: Metrics, clockBoundMs: number) {
    const registers = [metrics.registry];
    this.gaps = new Counter({
      name: 'concord_mirror_offset_gaps_total',
      help: 'Source offset ranges accepted as gone from the log (stored offset below the log start: retention).',
      labelNames: ['topic'] as const,
      registers,
    });
    this.gapRecords = new Counter({
      name: 'concord_mirror_offset_gap_records_total',
      help: 'Source offsets skipped because they were gone from the log (retention).',
      labelNames: ['topic'] as const,
      registers,
    });
    this.clockSkew = new Gauge({
      name: 'concord_clock_skew_seconds',
      help: 'Per origin, the largest accept time (meta.acceptedAt) minus local receive time of the last fetch: a lower bound of how far the origin clock runs ahead (transit lag only lowers it).',
      labelNames: ['origin'] as const,
      registers,
    });
    new Gauge({
      name: 'concord_clock_skew_bound_seconds',
      help: 'The configured clock bound (CONCORD_HLC_MAX_DRIFT_MS): concord_clock_skew_seconds above it alerts.',
      registers,
    }).set(clockBoundMs / 1000);
    const collect = async () => this.collect();
    this.records = new Gauge({
      name: 'concord_replication_backlog_records',
      help: 'Per origin, records in the source log not yet applied here (log end − applied offset, summed over partitions).',
      labelNames: ['origin'] as const,
      registers,
      collect,
    });
    this.seconds = new Gauge({
      name: 'concord_replication_backlog_seconds',
      help: 'Per origin, age of the oldest fetched record not yet applied here, in seconds (0 when none waits).',
      labelNames: ['origin'] as const,
      registers,
    });
  }

  watch(sources: readonly BacklogSource[]): void {
    this.sources = sources;
  }

  gapAccepted(gap: AcceptedGap): void {
    this.gaps.inc({ topic: gap.topic });
    this.gapRecords.inc({ topic: gap.topic }, Number(gap.to - gap.from));
  }

  /** Accept time vs local receive time of one fetch's events, per origin. */
  received(records: readonly ClassifiedRecord[], receivedAt: number): void {
    const skew = new Map<string, number>();
    for (const r of records) {
      if (r.kind !== 'event') continue;
      const accepted = r.envelope.meta.acceptedAt;
      const at = typeof accepted === 'string' ? Date.parse(accepted) : NaN;
      if (Number.isNaN(at)) continue;
      const origin = r.envelope.origin;
      skew.set(origin, Math.max(skew.get(origin) ?? -Infinity, (at - receivedAt) / 1000));
    }
    for (const [origin, s] of skew) this.clockSkew.set({ origin }, s);
  }

  /**
   * The backlog per origin (Kafka admin + consumer memory; never the apply path). The log ends
   * are read in the background, one reading at a time: a scrape waits for a fresh one at most
   * `waitMs`, then answers with the last reading and the fetches' high watermarks, so a slow or
   * cut-off cluster never stalls `/metrics`.
   */
  async backlog(waitMs = BACKLOG_READ_WAIT_MS): Promise<OriginBacklog[]> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.readEnds(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    const out = new Map<string, OriginBacklog>();
    const now = Date.now();
    for (const source of this.sources) {
      for (const b of originBacklog(source.backlog(), this.ends, source.carries, now)) {
        const prev = out.get(b.origin);
        out.set(
          b.origin,
          prev
            ? {
                origin: b.origin,
                records: prev.records + b.records,
                seconds: Math.max(prev.seconds, b.seconds),
              }
            : b,
        );
      }
    }
    return [...out.values()];
  }

  /** One reading of every source topic's log ends at a time; an unreachable cluster keeps its last. */
  private readEnds(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.reading ??= Promise.all(
      this.sources.map(async (source) => {
        let failed = false;
        try {
          const admin = await this.admin(source);
          await Promise.all(
            [...source.carries.keys()].map(async (topic) => {
              try {
                for (const o of await adminTopicOffsets(admin, topic))
                  this.ends.set(`${topic}:${o.partition}`, o.high);
              } catch {
                failed = true;
              }
            }),
          );
        } catch {
          failed = true;
        }
        // Unreachable cluster: the last reading stands (the source shows as not running), and
        // the admin reconnects on the next reading.
        if (failed) this.disconnect(source);
      }),
    ).then(
      () => {
        this.reading = undefined;
      },
      () => {
        this.reading = undefined;
      },
    );
    return this.reading;
  }

  /** The source cluster's admin client, created once and (re)connected when needed. */
  private async admin(source: BacklogSource): Promise<Admin> {
    let entry = this.admins.get(source);
    if (!entry) {
      entry = { admin: source.kafka.admin() };
      this.admins.set(source, entry);
    }
    entry.connected ??= entry.admin.connect();
    await entry.connected;
    return entry.admin;
  }

  private disconnect(source: BacklogSource): void {
    const entry = this.admins.get(source);
    if (!entry?.connected) return;
    entry.connected = undefined;
    entry.admin.disconnect().catch(() => undefined);
  }

  /** Closes the admin clients (after the last scrape); later readings keep the last log ends. */
  async close(): Promise<void> {
    this.closed = true;
    await this.reading;
    await Promise.all(
      [...this.admins.values()].map((e) => e.admin.disconnect().catch(() => undefined)),
    );
    this.admins.clear();
  }

  private async collect(): Promise<void> {
    const backlog = await this.backlog();
    this.records.reset();
    this.seconds.reset();
    for (const b of backlog) {
      this.records.set({ origin: b.origin }, b.records);
      this.seconds.set({ origin: b.origin }, b.seconds);
    }
  }
}
