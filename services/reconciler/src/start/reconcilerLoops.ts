import type { RegionId } from '@concord/config';
import { runLoop, sleep } from '@concord/core';
import { APPLIED_CHANNEL, listen } from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import type { AntiEntropy } from '../antiEntropy/AntiEntropy.js';
import type { ResolutionLoop } from '../conflicts/ResolutionLoop.js';
import type { PeerProbe } from '../ownership/PeerProbe.js';
import type { ReconcilerTuning } from '../tuning.js';

/** What the reconciler's background loops (docs/reconciler.md §1) drive. */
export interface ReconcilerLoopsDeps {
  readonly region: RegionId;
  /** The region's Postgres, for the `concord_applied` LISTEN connection. */
  readonly postgresUrl: string;
  readonly logger: Logger;
  readonly tuning: ReconcilerTuning;
  readonly probe: PeerProbe;
  readonly probeIntervalMs: number;
  readonly resolution: ResolutionLoop;
  readonly antiEntropy: AntiEntropy;
  readonly intervalMs: number;
  readonly followUpMs: number;
  /** Run the resolution loop (woken by `concord_applied`). */
  readonly resolve: boolean;
  /** Run the periodic anti-entropy comparison. */
  readonly runAntiEntropy: boolean;
}

export interface ReconcilerLoops {
  /** Asks every loop to stop: its wait ends at once, a round in progress finishes. */
  stop(): void;
  readonly stopped: boolean;
  /** Resolves when every loop has stopped; then closes the LISTEN connection. */
  done(): Promise<void>;
}

/** Starts the peer probe, the resolution loop and the anti-entropy loop on `runLoop`. */
export function startReconcilerLoops(deps: ReconcilerLoopsDeps): ReconcilerLoops {
  const { logger, tuning, resolution, antiEntropy, intervalMs } = deps;
  const stopLoops = new AbortController();
  const loops: Promise<void>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const loop = (name: string, round: () => Promise<number>) => {
    const running = runLoop({
      name,
      signal: stopLoops.signal,
      round,
      onError: (error, failures) => {
        logger.warn({ err: error, task: name, failures }, 'background task failed');
        return 1000;
      },
    });
    loops.push(running.done);
    return running;
  };
  loop('probe', async () => {
    await deps.probe.round();
    return deps.probeIntervalMs;
  });
  // When this region's mirror last applied something (`concord_applied`, at its commit).
  let lastApplied = 0;
  const woken: (() => void)[] = [];
  if (deps.resolve) {
    let lastRound = 0;
    const resolveLoop = loop('resolve', async () => {
      const gap = lastRound + tuning.resolvePollMs - Date.now();
      if (gap > 0) await sleep(gap);
      lastRound = Date.now();
      const { open } = await resolution.round();
      return open > 0 ? tuning.resolvePollMs : tuning.resolveIdleMs;
    });
    woken.push(() => resolveLoop.wake());
  }
  if (deps.runAntiEntropy) {
    let lastCompared = 0;
    let converged = true;
    loop('anti-entropy', async () => {
      // Not converged yet: compare again soon (convergence is measured closely), but while the
      // mirror is still applying, at most once per interval — under a steady load the regions
      // are never equal at one instant, and each comparison reads every stream.
      const applying = Date.now() - lastApplied < deps.followUpMs / 2;
      if (!converged && applying && Date.now() - lastCompared < intervalMs) return deps.followUpMs;
      lastCompared = Date.now();
      converged = (await antiEntropy.round()).converged;
      return converged ? intervalMs : Math.min(intervalMs, deps.followUpMs);
    });
  }
  if (deps.resolve || deps.runAntiEntropy) {
    const listener = listen({
      connectionString: deps.postgresUrl,
      channels: [APPLIED_CHANNEL],
      applicationName: `concord-reconciler-${deps.region}-listen`,
      onNotify: () => {
        lastApplied = Date.now();
        for (const wake of woken) wake();
      },
      onListening: () => {
        for (const wake of woken) wake();
      },
      onError: (error) => logger.debug({ err: error }, 'applied listener: reconnecting'),
    });
    closers.push(() => listener.close());
  }
  return {
    stop: () => stopLoops.abort(),
    get stopped() {
      return stopLoops.signal.aborted;
    },
    done: async () => {
      await Promise.all(loops);
      for (const close of closers) await close();
    },
  };
}
