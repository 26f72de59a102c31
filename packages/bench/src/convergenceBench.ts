import { randomInt } from 'node:crypto';
import { drainUntilConverged, verifyRegions, WriterClient, type AckedWrite } from '@concord/chaos';
import type { ConcordConfig } from '@concord/config';
import { DomainRegistry, sleep } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { effectiveConfig, ensureLocalTokens, runServices } from '@concord/runner';
import { StackController, type ProgressSink } from '@concord/stack';

export interface ConvergenceBenchOptions {
  /** How long the WAN is cut. Default 60 s. */
  readonly partitionSec?: number;
  /** Acknowledged writes each side makes during the partition. Default 5,000. */
  readonly writesPerSide?: number;
  /** Streams both sides write to (each becomes a conflict). Default 600. */
  readonly streams?: number;
  /** The region cut off (side B); the others form side A. Default: the last region. */
  readonly isolate?: string;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
}

export interface ConvergenceBenchResult {
  readonly regions: readonly string[];
  readonly isolated: string;
  readonly partitionSec: number;
  readonly writes: { readonly sideA: number; readonly sideB: number; readonly failed: number };
  /** Streams written by both sides during the partition (each one a conflict after heal). */
  readonly conflictingStreams: number;
  /** Heal → every write applied everywhere, nothing parked, equal digests, one head per stream. */
  readonly convergenceSec: number | undefined;
  /** Heal → the independent verification says identical event sets and states. */
  readonly verifiedSec: number | undefined;
  readonly mergeEvents: number;
  readonly targetSec: number;
}

/**
 * Convergence after a long partition: cut one region off, write `writesPerSide` events on each
 * side into the same `streams` streams (so every stream conflicts), heal, and time how long
 * until all regions agree — by the cheap drain check, then by the independent verification.
 * Needs the local stack; runs the services itself.
 */
export async function runConvergenceBench(
  requested: ConcordConfig,
  options: ConvergenceBenchOptions = {},
): Promise<ConvergenceBenchResult> {
  let config = requested;
  const partitionSec = options.partitionSec ?? 60;
  const writesPerSide = options.writesPerSide ?? 5_000;
  const streamCount = options.streams ?? 600;
  const isolate = options.isolate ?? config.regions[config.regions.length - 1]!;
  const sideA = config.regions.filter((r) => r !== isolate);
  const log = options.log ?? (() => undefined);
  const stack = new StackController(config);
  // runServices brings the stack up (idempotently) before starting the services.
  const supervisor = await runServices(
    config,
    options.progress ? { progress: options.progress } : {},
  );
  config = effectiveConfig(config);
  try {
    const tokens = ensureLocalTokens(config);
    const client = (r: string) =>
      new WriterClient(r, config.byRegion[r]!.writer.url, tokens.apiToken, 30_000);
    const run = `b${Date.now().toString(36)}`;
    const streams = Array.from({ length: streamCount }, (_, k) => `bench-${run}-${k}`);
    const acked: AckedWrite[] = [];
    let failed = 0;
    const writtenBy = new Map<string, Set<string>>();

    for (const r of sideA) await stack.links.partition(isolate, r);
    log(`cut ${isolate} off from ${sideA.join(', ')} for ${partitionSec} s`);
    const cutAt = Date.now();

    // Each side paces its writes to finish within the partition.
    const side = async (regions: string[], label: string) => {
      const clients = regions.map(client);
      const perSecond = writesPerSide / Math.max(1, partitionSec - 5);
      const started = performance.now();
      let done = 0;
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < writesPerSide; i++) {
        const due = started + (i / perSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        while (inFlight.size >= 32) await Promise.race(inFlight);
        const c = clients[i % clients.length]!;
        const stream = streams[i < streamCount ? i : randomInt(streamCount)]!;
        const p = c
          .append(stream, {
            type: 'FieldsSet',
            data: { [`f${randomInt(4)}`]: `${label}-${i}`, side: label },
          })
          .then((o) => {
            if (o.ok) {
              acked.push({
                region: c.region,
                stream,
                eventId: o.event.id,
                value: `${label}-${i}`,
                at: Date.now(),
              });
              const by = writtenBy.get(stream) ?? new Set<string>();
              by.add(label);
              writtenBy.set(stream, by);
              done++;
            } else failed++;
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
      return done;
    };
    const [a, b] = await Promise.all([side(sideA, 'A'), side([isolate], 'B')]);
    await sleep(Math.max(0, cutAt + partitionSec * 1000 - Date.now()));
    log(`wrote ${a} on side A, ${b} on side B (${failed} failed); healing`);

    await stack.links.heal();
    const healedAt = Date.now();
    const drain = await drainUntilConverged(
      config,
      acked.map((w) => w.eventId),
      {
        timeoutMs: 300_000,
        pollMs: 250,
        onPoll: (s) => {
          if (!s.converged && Math.round(s.elapsedMs / 1000) % 5 === 0)
            log(
              `+${(s.elapsedMs / 1000).toFixed(1)}s missing ${JSON.stringify(s.missing)} divergent ${s.divergentStreams}`,
            );
        },
      },
    );
    const convergenceSec = drain.converged ? (Date.now() - healedAt) / 1000 : undefined;
    const registry = new DomainRegistry(defaultDomains);
    let verified = await verifyRegions(config, registry);
    while (!verified.converged && Date.now() - healedAt < 300_000) {
      await sleep(500);
      verified = await verifyRegions(config, registry);
    }
    const verifiedSec = verified.converged ? (Date.now() - healedAt) / 1000 : undefined;
    const mergeEvents =
      verified.observations[0]?.applied.filter(
        (e) => e.type === 'concord.merge' && e.stream.startsWith(`bench-${run}-`),
      ).length ?? 0;
    return {
      regions: config.regions,
      isolated: isolate,
      partitionSec,
      writes: { sideA: a, sideB: b, failed },
      conflictingStreams: [...writtenBy.values()].filter((s) => s.size === 2).length,
      convergenceSec,
      verifiedSec,
      mergeEvents,
      targetSec: 10,
    };
  } finally {
    await stack.links.heal().catch(() => undefined);
    await supervisor.stop();
  }
}
