import type { ConcordConfig } from '@concord/config';
import { stopLinkDaemon } from '../links/linkDaemonProcess.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';
import { livePid } from './PidFile.js';
import { stopByPidFile } from './processes.js';

/** A process of the stack, by the PID file it is known by. */
interface Part {
  readonly name: string;
  readonly pidFile: string;
  stop(): Promise<unknown>;
}

function parts(config: ConcordConfig): Part[] {
  const paths = stackPaths(config);
  return [
    ...config.regions.flatMap((r) => [
      {
        name: `mm2 ${r}`,
        pidFile: paths.mm2(r).pidFile,
        stop: () => stopByPidFile(paths.mm2(r).pidFile, { graceMs: 15_000 }),
      },
      {
        name: `kafka ${r}`,
        pidFile: paths.kafka(r).pidFile,
        stop: () => stopByPidFile(paths.kafka(r).pidFile, { graceMs: 20_000 }),
      },
      {
        name: `redis ${r}`,
        pidFile: paths.redis(r).pidFile,
        stop: () => stopByPidFile(paths.redis(r).pidFile, { graceMs: 10_000 }),
      },
    ]),
    { name: 'links', pidFile: paths.links.pidFile, stop: () => stopLinkDaemon(config) },
    {
      name: 'postgres',
      pidFile: paths.postgres.pidFile,
      stop: () => stopByPidFile(paths.postgres.pidFile, { signal: 'SIGINT', graceMs: 20_000 }),
    },
  ];
}

/** Which processes of the stack run now: part name → PID. */
export type RunningParts = ReadonlyMap<string, number>;

export function runningParts(config: ConcordConfig): RunningParts {
  const running = new Map<string, number>();
  for (const p of parts(config)) {
    const live = livePid(p.pidFile);
    if (live) running.set(p.name, live.pid);
  }
  return running;
}

/**
 * After a failed `stack up`: stops every process that runs now and did not run (or ran with
 * another PID) before it — what that call started, ready or not — by its PID file, and leaves
 * what was already running alone. Returns what it stopped, e.g. `kafka us (pid 1234)`.
 */
export async function stopStartedSince(
  config: ConcordConfig,
  before: RunningParts,
  progress?: ProgressSink,
): Promise<string[]> {
  const stopped: string[] = [];
  // In the order of `parts`: MirrorMaker before the brokers, Postgres last.
  for (const p of parts(config)) {
    const live = livePid(p.pidFile);
    if (!live || before.get(p.name) === live.pid) continue;
    await p.stop().catch(() => undefined);
    stopped.push(`${p.name} (pid ${live.pid})`);
    progress?.({
      part: p.name.split(' ')[0]!,
      message: `stopped ${p.name} (pid ${live.pid}): the start failed`,
    });
  }
  return stopped;
}
