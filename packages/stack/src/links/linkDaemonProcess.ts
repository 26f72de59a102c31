import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConcordConfig, LinkConfig } from '@concord/config';
import { ConcordError, withRetry } from '@concord/core';
import { assertPortsFree } from '../ports/portCheck.js';
import { livePid, type PidRecord, type ProcessState } from '../process/PidFile.js';
import { spawnDetached, stopByPidFile, tailFile } from '../process/processes.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';
import type { LinkDaemonSpec } from './LinkDaemon.js';
import { LinkControlClient } from './LinkControlClient.js';

/**
 * The built daemon entry (packages/stack/dist/links/linkDaemonMain.js). Resolved from this
 * file's folder so it works both from dist and from src under vitest (which needs `pnpm build`).
 */
export function linkDaemonScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'dist', 'links', 'linkDaemonMain.js');
}

/** The links the stack proxies: those whose broker it runs. */
export function managedLinks(config: ConcordConfig): LinkConfig[] {
  return config.links.filter((l) => config.byRegion[l.from]?.kafka.managed === true);
}

function renderSpec(config: ConcordConfig): string {
  const spec: LinkDaemonSpec = {
    controlPort: config.linkControlPort,
    links: managedLinks(config),
    stateFile: stackPaths(config).links.stateFile,
  };
  return JSON.stringify(spec, null, 2) + '\n';
}

/** The running daemon (supervisor) and its worker, if any. */
export function linkDaemonProcesses(config: ConcordConfig): {
  supervisor: (PidRecord & { state: ProcessState }) | undefined;
  worker: (PidRecord & { state: ProcessState }) | undefined;
} {
  const files = stackPaths(config).links;
  return { supervisor: livePid(files.pidFile), worker: livePid(files.workerPidFile) };
}

/**
 * Starts the link daemon unless it already runs with the same links (then it is left alone,
 * connections and all). A daemon serving another link set is restarted; link state survives.
 */
export async function ensureLinkDaemon(
  config: ConcordConfig,
  progress?: ProgressSink,
): Promise<'started' | 'running'> {
  const files = stackPaths(config).links;
  const spec = renderSpec(config);
  const client = new LinkControlClient(config);
  const { supervisor, worker } = linkDaemonProcesses(config);
  if (!supervisor && worker) {
    // The supervisor died (e.g. SIGKILL) and left its worker holding the ports: replace both.
    progress?.({ part: 'links', message: `stopping orphaned link worker (pid ${worker.pid})` });
    await stopLinkDaemon(config);
  }
  const sameSpec = existsSync(files.specFile) && readFileSync(files.specFile, 'utf8') === spec;
  if (supervisor && sameSpec && (await client.isUp())) return 'running';
  if (supervisor) {
    progress?.({
      part: 'links',
      message: `restarting link daemon (pid ${supervisor.pid}) with the new link set`,
    });
    await stopLinkDaemon(config);
  }
  await assertPortsFree([
    { port: config.linkControlPort, owner: 'link daemon control API' },
    ...managedLinks(config).map((l) => ({
      port: l.proxyPort,
      owner: `link proxy ${l.from}->${l.to}`,
    })),
  ]);
  const script = linkDaemonScript();
  if (!existsSync(script)) {
    throw new ConcordError(
      'PREREQUISITE_MISSING',
      `${script} not found — run \`pnpm build\` first`,
    );
  }
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(files.specFile, spec);
  const record = spawnDetached({
    command: process.execPath,
    args: [script, files.specFile],
    logFile: files.logFile,
    pidFile: files.pidFile,
  });
  progress?.({ part: 'links', message: `link daemon started (pid ${record.pid})` });
  await withRetry(
    async () => {
      if (!(await client.isUp())) throw new Error('link daemon not answering yet');
    },
    {
      attempts: 40,
      initialDelayMs: 100,
      maxDelayMs: 500,
      retryIf: () => livePid(files.pidFile) !== undefined,
    },
  ).catch((error: unknown) => {
    throw new ConcordError(
      'STACK_START_FAILED',
      `link daemon did not start: ${tailFile(files.logFile, 3).replace(/\n/g, ' | ')} (log: ${files.logFile})`,
      { cause: error, retriable: false },
    );
  });
  return 'started';
}

/** Stops the daemon (supervisor, then any worker left behind), by PID. */
export async function stopLinkDaemon(config: ConcordConfig): Promise<number[]> {
  const files = stackPaths(config).links;
  const stopped: number[] = [];
  const supervisor = await stopByPidFile(files.pidFile, { graceMs: 8_000 });
  if (supervisor !== undefined) stopped.push(supervisor);
  const worker = await stopByPidFile(files.workerPidFile, { graceMs: 3_000 });
  if (worker !== undefined) stopped.push(worker);
  return stopped;
}
