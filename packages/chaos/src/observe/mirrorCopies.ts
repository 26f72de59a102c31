import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';

/** Records per partition of one topic (high minus low watermark). */
export type PartitionRecords = Readonly<Record<number, number>>;

/**
 * One MirrorMaker 2 flow origin → target: origin's events topic (on origin's brokers) and its
 * copy `<origin>.<ns>.events.<origin>` (on target's brokers), record counts per partition.
 */
export interface CopyFlow {
  readonly origin: RegionId;
  readonly target: RegionId;
  readonly copy: string;
  readonly source: PartitionRecords;
  readonly copied: PartitionRecords;
  /** Partitions whose copy holds fewer records than the source: records not (yet) copied. */
  readonly behind: readonly number[];
}

/** What the chaos run found of MirrorMaker 2's copies after the drain. */
export interface CopyCheck {
  /** True when every copy holds at least as many records as its source, partition by partition. */
  readonly complete: boolean;
  readonly flows: readonly CopyFlow[];
  /** How long it waited for the copies to catch up. */
  readonly elapsedMs: number;
}

/**
 * The partitions of `source` whose copy holds fewer records (pure). MirrorMaker 2 keeps each
 * record's partition and copies at least once (a crash repeats what it copied since its last
 * offset commit), so a complete copy holds as many records as its source or more; fewer means a
 * record was never copied — the mirrors then got it from anti-entropy repairs, not replication.
 */
export function partitionsBehind(source: PartitionRecords, copied: PartitionRecords): number[] {
  return Object.entries(source)
    .filter(([p, n]) => n > (copied[Number(p)] ?? 0))
    .map(([p]) => Number(p))
    .sort((a, b) => a - b);
}

/** Record counts per partition of `names` on `brokers`; a missing topic counts as empty. */
async function recordCounts(
  config: ConcordConfig,
  brokers: readonly string[],
  names: readonly string[],
): Promise<Map<string, PartitionRecords>> {
  const admin = createKafka({
    clientId: 'concord-chaos-copies',
    brokers,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const counts = new Map<string, PartitionRecords>();
    for (const name of names) {
      if (!existing.has(name)) {
        counts.set(name, {});
        continue;
      }
      const offsets = await admin.fetchTopicOffsets(name);
      counts.set(
        name,
        Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high) - Number(o.low)])),
      );
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** Every flow origin → target of an mm2 stack, with the record counts of source and copy now. */
export async function readCopyFlows(config: ConcordConfig): Promise<CopyFlow[]> {
  const t = topics(config);
  const byRegion = new Map(
    await Promise.all(
      config.regions.map(
        async (r) =>
          [
            r,
            await recordCounts(config, config.byRegion[r]!.kafka.brokers, [
              t.events(r),
              ...config.regions.filter((o) => o !== r).map((o) => t.mirroredEvents(o)),
            ]),
          ] as const,
      ),
    ),
  );
  const flows: CopyFlow[] = [];
  for (const target of config.regions) {
    for (const origin of config.regions.filter((o) => o !== target)) {
      const source = byRegion.get(origin)!.get(t.events(origin))!;
      const copied = byRegion.get(target)!.get(t.mirroredEvents(origin))!;
      flows.push({
        origin,
        target,
        copy: t.mirroredEvents(origin),
        source,
        copied,
        behind: partitionsBehind(source, copied),
      });
    }
  }
  return flows;
}

/**
 * Waits until every MirrorMaker 2 copy holds its source's records (checked every `pollMs`), or
 * `timeoutMs` passed; returns the last reading.
 */
export async function waitForCopies(
  config: ConcordConfig,
  options: { timeoutMs: number; pollMs?: number },
): Promise<CopyCheck> {
  const started = Date.now();
  for (;;) {
    const flows = await readCopyFlows(config);
    const complete = flows.every((f) => f.behind.length === 0);
    if (complete || Date.now() - started >= options.timeoutMs)
      return { complete, flows, elapsedMs: Date.now() - started };
    await sleep(options.pollMs ?? 1000);
  }
}

/** One line per flow: `us->eu 812/812` (records in the copy / in the source). */
export function describeCopies(check: CopyCheck): string {
  const sum = (r: PartitionRecords) => Object.values(r).reduce((a, b) => a + b, 0);
  return check.flows
    .map(
      (f) =>
        `${f.origin}->${f.target} ${sum(f.copied)}/${sum(f.source)}${f.behind.length ? ` (partitions ${f.behind.join(',')} behind)` : ''}`,
    )
    .join(', ');
}
