import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig } from '@concord/config';
import { DomainRegistry, sleep } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { effectiveConfig, ensureLocalTokens, runServices } from '@concord/runner';
import { StackController, type ProgressSink } from '@concord/stack';
import { checkHistory, type CheckResult } from '../checker/checkHistory.js';
import type { History } from '../checker/History.js';
import { Nemesis, type NemesisEvent } from '../nemesis/Nemesis.js';
import { describeCopies, waitForCopies, type CopyCheck } from '../observe/mirrorCopies.js';
import { observeRegion } from '../observe/observeRegion.js';
import { staleInspector, type StaleInspector } from '../observe/staleInspector.js';
import { readAppliedFeed, readTopicRecords } from '../observe/readTopicIds.js';
import { chaosReport, type ChaosSummary } from '../report/chaosReport.js';
import { renderHtmlReport } from '../report/renderHtmlReport.js';
import { faultsForMode, planFaults, type FaultKind } from '../schedule/planFaults.js';
import {
  AvailabilityTracker,
  FailoverClient,
  type AvailabilityReport,
} from '../workload/FailoverClient.js';
import { attributeFailures, type FaultWindow } from '../workload/failureAttribution.js';
import { WriterClient, type AppendClient } from '../workload/WriterClient.js';
import { Workload } from '../workload/Workload.js';
import { drainUntilConverged, type DrainState } from './drain.js';

export interface ChaosOptions {
  readonly durationSec: number;
  readonly rate: number;
  readonly faults: readonly FaultKind[];
  readonly seed: number;
  /** Fault-free seconds at the end of the run, before the drain. Default 15. */
  readonly quietSec?: number;
  /** Longest drain, in seconds. Default 200. */
  readonly drainSec?: number;
  /** Where chaos-report.json and chaos-report.html go. */
  readonly outDir: string;
  /** Leave the chaos stack running afterwards (for inspection). Default false. */
  readonly keep?: boolean;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
  /**
   * Drive the workload through `@concord/client` (failover, retries, session reads) instead of
   * one plain writer client per region; the result then reports availability. Default false.
   */
  readonly client?: boolean;
}

export interface ChaosResult {
  readonly ok: boolean;
  readonly check: CheckResult;
  readonly drain: DrainState;
  readonly nemesis: readonly NemesisEvent[];
  /** The fault kinds the schedule injected, in order (the seed's schedule). */
  readonly faultsInjected: readonly string[];
  /** mm2 stacks: whether MirrorMaker 2's copies caught up with their sources after the drain. */
  readonly copies: CopyCheck | undefined;
  readonly reportJson: string;
  readonly reportHtml: string;
  /** With `client`: attempts and acknowledgements, failovers, session reads. */
  readonly availability: AvailabilityReport | undefined;
}

/**
 * A Jepsen-style run: brings up the (dedicated) stack and services of `config`, runs the
 * checkable workload at `rate` for `durationSec` while the nemesis injects the scheduled
 * faults, heals everything, drains until convergence (at most `drainSec`), observes every
 * region independently, checks the history and writes the reports. Same seed, same schedule.
 *
 * On an mm2 stack it also checks that MirrorMaker 2 itself recovered from every fault: after
 * the drain every copy must hold its source's records — events that reached a region only
 * through anti-entropy repairs would converge too, and would hide a replication that stopped.
 * `mm2` faults are dropped on a direct stack.
 */
export async function chaosRun(
  requested: ConcordConfig,
  options: ChaosOptions,
): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const stack = new StackController(requested);
  // runServices brings the stack up (idempotently) before starting the services.
  const supervisor = await runServices(
    requested,
    options.progress ? { progress: options.progress } : {},
  );
  // The chaos stack runs Postgres and Redis privately: observe them where they really are.
  const config = effectiveConfig(requested);
  const nemesis = new Nemesis({ stack, supervisor }, (e) => log(`${e.phase.padEnd(6)} ${e.text}`));
  const mode = stack.endpoints()?.replication?.mode ?? 'direct';
  const { faults: kinds, skipped } = faultsForMode(options.faults, mode);
  if (skipped.length > 0) log(`${skipped.join(', ')} faults skipped: the stack replicates ${mode}`);
  let inspector: StaleInspector | undefined;
  try {
    const tokens = ensureLocalTokens(config);
    const tracker = options.client ? new AvailabilityTracker() : undefined;
    const urls = Object.fromEntries(config.regions.map((r) => [r, config.byRegion[r]!.writer.url]));
    inspector = tracker ? staleInspector(config) : undefined;
    const inspect = inspector?.inspect;
    const clients: AppendClient[] = config.regions.map((r) =>
      tracker
        ? new FailoverClient({
            home: r,
            regions: urls,
            token: tokens.apiToken,
            tracker,
            ...(inspect ? { inspect } : {}),
          })
        : new WriterClient(r, config.byRegion[r]!.writer.url, tokens.apiToken),
    );
    const runId = `c${options.seed.toString(36)}${Date.now().toString(36)}`;
    const workload = new Workload({ clients, rate: options.rate, seed: options.seed, runId });
    await workload.seedAccounts(5_000);
    const durationMs = options.durationSec * 1000;
    const plan = planFaults({
      seed: options.seed,
      durationMs,
      faults: kinds,
      regions: config.regions,
      quietMs: (options.quietSec ?? 15) * 1000,
    });
    log(`schedule: ${plan.length} faults`);
    const startedAt = Date.now();
    const windows: FaultWindow[] = [];
    const faults = (async () => {
      const quietFrom = startedAt + durationMs - (options.quietSec ?? 15) * 1000;
      for (const fault of plan) {
        await sleep(Math.max(0, startedAt + fault.at - Date.now()));
        // Slow heals (a broker restart) can push the schedule late; never eat the quiet period.
        if (Date.now() >= quietFrom) {
          log(`skip   ${fault.index}: schedule overran into the quiet period`);
          continue;
        }
        const injectedAt = Date.now();
        await nemesis.inject(fault);
        // A slow injection (a writer restart) must not shrink the fault to nothing: it lasts
        // until its planned heal, and at least min(planned length, 3 s) after it took effect.
        const healAt = Math.max(
          startedAt + fault.healAt,
          Date.now() + Math.min(fault.healAt - fault.at, 3_000),
        );
        await sleep(Math.max(0, healAt - Date.now()));
        await nemesis.heal(fault);
        windows.push({ kind: fault.action.kind, from: injectedAt, to: Date.now() });
      }
    })();
    const result = await workload.run(durationMs);
    await faults;
    await nemesis.healAll();
    for (const c of clients) if (c instanceof FailoverClient) c.close();
    const availability = tracker && {
      ...tracker.report(),
      // Which fault each failed write met: the one active when it started, or healed < 10 s
      // before (docs/client.md, "Availability under chaos").
      failuresByFault: attributeFailures(tracker.failureStarts, windows, 10_000),
    };
    if (availability) {
      const a = availability;
      log(
        `availability: ${a.overall.acked}/${a.overall.attempted} acknowledged, ${a.overall.refused} refused by a 4xx (${(100 * a.overall.ratio).toFixed(2)} %), ${a.failovers} failovers, ${a.hedges ?? 0} hedges, failover time p50 ${a.failoverMs.p50.toFixed(0)} ms p99 ${a.failoverMs.p99.toFixed(0)} ms, ${a.staleReads} stale of ${a.sessionReads} session reads; failed writes by fault ${JSON.stringify(a.failuresByFault)}`,
      );
      if (a.staleSamples?.length) log(`stale session reads: ${JSON.stringify(a.staleSamples)}`);
    }
    log(
      `workload done: ${result.acked.length} acknowledged, ${result.failed.length} failed, ${result.skipped} skipped; draining`,
    );

    const drain = await drainUntilConverged(
      config,
      result.acked.map((a) => a.eventId),
      {
        timeoutMs: (options.drainSec ?? 200) * 1000,
        onPoll: (s) => {
          if (!s.converged)
            log(
              `drain +${(s.elapsedMs / 1000).toFixed(0)}s: missing ${JSON.stringify(s.missing)}, divergent ${s.divergentStreams}`,
            );
        },
      },
    );
    log(
      `drain: ${drain.converged ? 'converged' : 'NOT converged'} after ${(drain.elapsedMs / 1000).toFixed(1)} s`,
    );
    const copies = mode === 'mm2' ? await waitForCopies(config, { timeoutMs: 30_000 }) : undefined;
    if (copies)
      log(
        `mm2 copies ${copies.complete ? 'complete' : 'INCOMPLETE'} (copied/source records): ${describeCopies(copies)}`,
      );

    const registry = new DomainRegistry(defaultDomains);
    const history: History = {
      acked: result.acked,
      failed: result.failed,
      regions: await Promise.all(
        config.regions.map(async (r) => ({
          ...(await observeRegion(config, r, registry)),
          feed: await readAppliedFeed(config, r),
        })),
      ),
      topics: await Promise.all(
        config.regions.map(async (origin) => {
          const records = await readTopicRecords(config, origin);
          return { origin, eventIds: records.map((x) => x.eventId), records };
        }),
      ),
    };
    const check = checkHistory(history, { registry });
    const summary: ChaosSummary = {
      seed: options.seed,
      rate: options.rate,
      durationSec: options.durationSec,
      faults: kinds,
      regions: config.regions,
      startedAt,
      plan,
      nemesis: nemesis.events,
      drain,
      check,
      ...(copies ? { copies } : {}),
      ...(availability ? { availability } : {}),
    };
    const ok =
      check.ok &&
      drain.converged &&
      (copies?.complete ?? true) &&
      (availability?.staleReads ?? 0) === 0;
    mkdirSync(options.outDir, { recursive: true });
    const reportJson = join(options.outDir, 'chaos-report.json');
    const reportHtml = join(options.outDir, 'chaos-report.html');
    writeFileSync(reportJson, JSON.stringify({ ...summary, ok }, null, 2) + '\n');
    writeFileSync(reportHtml, renderHtmlReport(chaosReport(history, summary)));
    return {
      ok,
      check,
      drain,
      nemesis: nemesis.events,
      faultsInjected: plan.map((f) => f.action.kind),
      copies,
      reportJson,
      reportHtml,
      availability,
    };
  } finally {
    await inspector?.close();
    await nemesis.healAll().catch(() => undefined);
    await supervisor.stop();
    if (!options.keep) await stack.down({ purge: true });
  }
}
