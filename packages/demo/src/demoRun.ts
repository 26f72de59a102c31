import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkHistory,
  drainUntilConverged,
  readAppliedFeed,
  readTopicRecords,
  renderHtmlReport,
  verifyRegions,
  type CheckResult,
  type History,
  type VerifyOutcome,
} from '@concord/chaos';
import type { ConcordConfig } from '@concord/config';
import { DomainRegistry, sleep } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import {
  effectiveConfig,
  ensureLocalTokens,
  runServices,
  startCpuWindow,
  type CpuWindow,
} from '@concord/runner';
import { StackController, stackStatus, type LinkStatus, type ProgressSink } from '@concord/stack';
import { DemoClients } from './demoClients.js';
import { DemoWorkload } from './DemoWorkload.js';
import { demoReport, type DemoSample } from './demoReport.js';
import { LiveView } from './LiveView.js';
import { RegionSampler } from './sampleRegions.js';

/** How long each CPU reading of the live view and report spans. */
const CPU_WINDOW_MS = 5_000;
export interface DemoOptions {
  /** Length of the write phase in seconds. Default 90. */
  readonly durationSec?: number;
  /** When the isolated region is cut off, and for how long. Defaults 20 s and 25 s. */
  readonly partitionAtSec?: number;
  readonly partitionForSec?: number;
  /** The region cut off from all others. Default: the last region (ap). */
  readonly isolate?: string;
  /**
   * When the writer of `crash` is SIGKILLed (its clients fail over, the supervisor restarts it,
   * they come back home). Default 66% of the duration; 0: no crash.
   */
  readonly crashAtSec?: number;
  /** The region whose writer is killed. Default: the last region not isolated (eu). */
  readonly crash?: string;
  /** Writes per second in each region. Default 8. */
  readonly ratePerRegion?: number;
  /** Where demo-report.html/json go. */
  readonly outDir: string;
  readonly interactive: boolean;
  readonly write: (line: string) => void;
  readonly progress?: ProgressSink;
  /** Leave services (and a stack the demo started) running afterwards. */
  readonly keep?: boolean;
  /** Convergence check; default: the independent verification of every region's stored events. */
  readonly verify?: () => Promise<VerifyOutcome>;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly convergedAfterHealSec: number | undefined;
  readonly verifiedAfterLastWriteSec: number | undefined;
  readonly verify: VerifyOutcome;
  readonly check: CheckResult;
  readonly reportHtml: string;
  readonly reportJson: string;
}

/**
 * The main job: brings up the stack and the services, writes account, cart and profile traffic
 * in every region, cuts one region off for a while, heals, keeps writing, then proves the
 * regions converged and every invariant held, and writes an HTML + JSON report.
 */
export async function demoRun(requested: ConcordConfig, options: DemoOptions): Promise<DemoResult> {
  let config = requested;
  const durationSec = options.durationSec ?? 90;
  const partitionAt = options.partitionAtSec ?? Math.min(20, Math.round(durationSec * 0.22));
  const partitionFor = options.partitionForSec ?? Math.min(25, Math.round(durationSec * 0.28));
  const isolate = options.isolate ?? config.regions[config.regions.length - 1]!;
  const others = config.regions.filter((r) => r !== isolate);
  const crashAt = options.crashAtSec ?? Math.round(durationSec * 0.66);
  const crashRegion = options.crash ?? others[others.length - 1];
  const registry = new DomainRegistry(defaultDomains);
  const verify = options.verify ?? (() => verifyRegions(config, registry));

  const stackWasUp = (await stackStatus(config)).running;
  const stack = new StackController(config);
  // runServices brings the stack up (idempotently) before starting the services.
  const supervisor = await runServices(
    config,
    options.progress ? { progress: options.progress } : {},
  );
  config = effectiveConfig(config); // Postgres/Redis where the stack really runs them
  const sampler = new RegionSampler(config);
  const view = new LiveView(options.interactive, options.write);
  let t0 = Date.now();
  const timeline: { t: number; text: string }[] = [];
  const note = (text: string) => timeline.push({ t: (Date.now() - t0) / 1000, text });
  const tokens = ensureLocalTokens(config);
  const clients = new DemoClients(config, tokens.apiToken, () => t0, note);
  let crashTimer: NodeJS.Timeout | undefined;
  try {
    const runId = `d${Date.now().toString(36)}`;
    const workload = new DemoWorkload(clients.writers, runId, {
      accounts: 6,
      carts: 8,
      profiles: 8,
      ratePerRegion: options.ratePerRegion ?? 8,
      readers: clients.readers,
    });
    await workload.setUp();

    t0 = Date.now();
    timeline.length = 0; // the set-up's failovers, if any, are not the demo's
    const samples: DemoSample[] = [];
    let phase = 'writing in all regions';
    let partitionedAt: number | undefined;
    let healedAt: number | undefined;
    let caughtUpAt: number | undefined;
    let preHealIds: string[] = [];
    const running = workload.run();
    // On a timer, not in the sampling loop: a slow sample must not move the crash.
    crashTimer =
      crashAt > 0 && crashRegion
        ? setTimeout(() => {
            const pid = supervisor.pidOf(`writer-${crashRegion}`);
            if (pid === undefined || Date.now() - t0 >= durationSec * 1000) return;
            process.kill(pid, 'SIGKILL'); // the supervisor restarts it
            clients.crashed(crashRegion);
            note(`SIGKILL writer-${crashRegion} (pid ${pid}); its clients fail over`);
          }, crashAt * 1000)
        : undefined;
    let previous = { ...workload.counters.acked };
    note(`writing in ${config.regions.join(', ')}`);
    // The deployment's CPU (every process serving it, from /proc) over 5 s windows.
    const services = () => supervisor.status();
    let cpuWindow = await startCpuWindow(config, services);
    let cpuSince = Date.now();
    const ackedNow = () => Object.values(workload.counters.acked).reduce((a, b) => a + b, 0);
    let ackedSince = ackedNow();
    let cpu: { window: CpuWindow; writesPerSec: number } | undefined;

    while (Date.now() - t0 < durationSec * 1000) {
      const elapsed = (Date.now() - t0) / 1000;
      if (partitionedAt === undefined && elapsed >= partitionAt) {
        for (const r of others) await stack.links.partition(isolate, r);
        partitionedAt = Date.now();
        phase = `${isolate} cut off`;
        note(`cut ${isolate} off from ${others.join(', ')}`);
      }
      if (
        partitionedAt !== undefined &&
        healedAt === undefined &&
        elapsed >= partitionAt + partitionFor
      ) {
        preHealIds = workload.ackedWrites.map((a) => a.eventId);
        await stack.links.heal();
        healedAt = Date.now();
        phase = 'healed, catching up';
        note('healed every link');
      }
      if (healedAt !== undefined && caughtUpAt === undefined) {
        // Caught up: every region applied every write acknowledged before the heal (events
        // parked now belong to the writes that went on after it).
        const caught = await drainUntilConverged(config, preHealIds, { timeoutMs: 0 });
        if (Object.values(caught.missing).every((n) => n === 0)) {
          caughtUpAt = Date.now();
          phase = `caught up ${((caughtUpAt - healedAt) / 1000).toFixed(1)} s after heal`;
          note(
            `every region holds every pre-heal write (${((caughtUpAt - healedAt) / 1000).toFixed(1)} s after heal)`,
          );
        }
      }
      const regionSamples = await sampler.sample();
      const links: LinkStatus[] = await stack.links.status().catch(() => []);
      const now = { ...workload.counters.acked };
      const writesPerSec = Object.fromEntries(
        config.regions.map((r) => [r, (now[r] ?? 0) - (previous[r] ?? 0)]),
      );
      previous = now;
      if (Date.now() - cpuSince >= CPU_WINDOW_MS) {
        const window = await cpuWindow.stop();
        const acked = ackedNow();
        cpu = { window, writesPerSec: (acked - ackedSince) / window.seconds };
        cpuWindow = await startCpuWindow(config, services);
        cpuSince = Date.now();
        ackedSince = acked;
      }
      samples.push({
        t: (Date.now() - t0) / 1000,
        writesPerSec,
        regions: regionSamples,
        ...(cpu ? { cores: cpu.window.totalCores } : {}),
      });
      view.show({
        elapsedSec: (Date.now() - t0) / 1000,
        phase,
        writesPerSec,
        ...(cpu ? { cpu } : {}),
        samples: regionSamples,
        links,
        availability: clients.availability(),
      });
      await sleep(Math.max(0, 1000 - ((Date.now() - t0) % 1000)));
    }
    workload.stop();
    await running;
    const lastWriteAt = Date.now();
    note('stopped writing; verifying');

    // Settle first: every acknowledged write applied everywhere, nothing parked, one head per
    // stream (a conflict between the last writes is still being resolved for a moment). Then
    // converged: identical event sets and states in every region (never a projection checked
    // against itself).
    const deadline = Date.now() + 120_000;
    await drainUntilConverged(
      config,
      workload.ackedWrites.map((a) => a.eventId),
      { timeoutMs: 120_000, pollMs: 250 },
    );
    let outcome = await verify();
    while (!outcome.converged && Date.now() < deadline) {
      await sleep(500);
      outcome = await verify();
    }
    const verifiedAt = outcome.converged ? Date.now() : undefined;
    if (caughtUpAt === undefined && healedAt !== undefined && outcome.converged)
      caughtUpAt = verifiedAt;
    note(
      outcome.converged
        ? `verify: converged (${outcome.streams} streams identical in every region)`
        : 'verify: NOT converged',
    );

    // Checked as in `concord chaos` (docs/chaos.md): effects counted from the values in the
    // stored events, the applied feeds and the logs of record, heads and invariants from the
    // checker's own fold, and no definitely failed (or rejected) write applied anywhere.
    const history: History = {
      acked: workload.ackedWrites,
      failed: [...workload.failedWrites, ...workload.rejectedWrites],
      regions: await Promise.all(
        outcome.observations.map(async (o) => ({
          ...o,
          feed: await readAppliedFeed(config, o.region),
        })),
      ),
      topics: await Promise.all(
        config.regions.map(async (origin) => {
          const records = await readTopicRecords(config, origin);
          return { origin, eventIds: records.map((r) => r.eventId), records };
        }),
      ),
    };
    const check = checkHistory(history, { registry });
    const convergedAfterHealSec =
      healedAt !== undefined && caughtUpAt !== undefined
        ? (caughtUpAt - healedAt) / 1000
        : undefined;
    const verifiedAfterLastWriteSec =
      verifiedAt !== undefined ? (verifiedAt - lastWriteAt) / 1000 : undefined;
    const availability = clients.availability();
    const crash = clients.crashRecord();
    const ok = outcome.converged && check.ok && availability.staleReads === 0;

    mkdirSync(options.outDir, { recursive: true });
    const reportHtml = join(options.outDir, 'demo-report.html');
    const reportJson = join(options.outDir, 'demo-report.json');
    const summary = {
      ok,
      regions: config.regions,
      durationSec,
      isolated: isolate,
      partition:
        partitionedAt && healedAt
          ? { fromSec: (partitionedAt - t0) / 1000, toSec: (healedAt - t0) / 1000 }
          : undefined,
      convergedAfterHealSec,
      verifiedAfterLastWriteSec,
      crash,
      availability,
      writes: {
        acked: workload.ackedWrites.length,
        failed: workload.failedWrites.length,
        transfers: workload.counters.transfers,
      },
      verify: {
        converged: outcome.converged,
        streams: outcome.streams,
        differing: outcome.differing,
        missing: outcome.missing,
        projectionMismatches: outcome.projectionMismatches,
      },
      check: { ok: check.ok, counts: check.counts, stats: check.stats, anomalies: check.anomalies },
      timeline,
      samples,
    };
    writeFileSync(reportJson, JSON.stringify(summary, null, 2) + '\n');
    writeFileSync(
      reportHtml,
      renderHtmlReport(demoReport(history, { ...summary, t0, check, timeline, samples })),
    );
    view.done(
      ok
        ? `converged in ${convergedAfterHealSec?.toFixed(1) ?? '?'} s after heal; verified identical in every region ${verifiedAfterLastWriteSec?.toFixed(1)} s after the last write; every invariant held; ${availability.overall.acked}/${availability.overall.attempted} writes acknowledged (${availability.failovers} failovers, 0 stale reads)`
        : `NOT converged, an invariant broke or a session read was stale: ${JSON.stringify({ ...check.counts, staleReads: availability.staleReads })}`,
    );
    return {
      ok,
      convergedAfterHealSec,
      verifiedAfterLastWriteSec,
      verify: outcome,
      check,
      reportHtml,
      reportJson,
    };
  } finally {
    clearTimeout(crashTimer);
    clients.close();
    await sampler.close();
    await stack.links.heal().catch(() => undefined);
    if (!options.keep) {
      await supervisor.stop();
      if (!stackWasUp) await stack.down();
    }
  }
}
