/**
 * Entry point of the link daemon process, started detached by `concord stack up`:
 *
 *   node linkDaemonMain.js <links.json>            the supervisor (its PID is daemon.pid)
 *   node linkDaemonMain.js <links.json> --worker   the proxies + control API (worker.pid)
 *
 * The supervisor restarts a worker that dies unexpectedly (with back-off); the new worker
 * restores the persisted link state, so a crash does not silently heal a partition.
 * SIGTERM to the supervisor stops the worker and then itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '@concord/core';
import { pidRecord, writePidFile } from '../process/PidFile.js';
import { LinkDaemon, type DaemonLog, type LinkDaemonSpec } from './LinkDaemon.js';

const log: DaemonLog = (level, msg, fields = {}) => {
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level, pid: process.pid, msg, ...fields }) +
      '\n',
  );
};

async function runWorker(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as LinkDaemonSpec;
  const daemon = new LinkDaemon(spec, log);
  await daemon.start();
  const shutdown = () => {
    log('info', 'worker stopping');
    daemon.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function runSupervisor(specFile: string): void {
  const workerPidFile = join(dirname(specFile), 'worker.pid');
  let worker: ChildProcess | undefined;
  let stopping = false;
  let crashes = 0;
  let startedAt = 0;

  const start = () => {
    startedAt = Date.now();
    worker = fork(fileURLToPath(import.meta.url), [specFile, '--worker'], { stdio: 'inherit' });
    if (worker.pid !== undefined)
      writePidFile(workerPidFile, pidRecord(worker.pid, 'link daemon worker'));
    worker.once('exit', (code, signal) => {
      worker = undefined;
      if (stopping) {
        rmSync(workerPidFile, { force: true });
        process.exit(0);
      }
      // A worker that ran a while before dying starts the back-off afresh.
      crashes = Date.now() - startedAt > 30_000 ? 1 : crashes + 1;
      const delay = backoffDelay(crashes, { initialDelayMs: 500, maxDelayMs: 10_000 });
      log('error', 'link worker exited; restarting', { code, signal, inMs: delay });
      setTimeout(start, delay);
    });
  };

  const stop = () => {
    stopping = true;
    if (!worker) process.exit(0);
    worker.kill('SIGTERM');
    // A wedged worker must not keep the supervisor (and `stack down`) waiting.
    setTimeout(() => worker?.kill('SIGKILL'), 5_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log('info', 'link supervisor started', { specFile });
  start();
}

const [specFile, mode] = process.argv.slice(2);
if (!specFile) {
  process.stderr.write('usage: linkDaemonMain.js <links.json> [--worker]\n');
  process.exit(2);
}
if (mode === '--worker') {
  runWorker(specFile).catch((error: unknown) => {
    log('error', 'worker failed to start', { error: String(error) });
    process.exit(1);
  });
} else {
  runSupervisor(specFile);
}
