import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConcordError, sleep } from '@concord/core';
import {
  livePid,
  pidRecord,
  ProcessState,
  processState,
  writePidFile,
  type PidRecord,
} from './PidFile.js';

export interface SpawnDetachedOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly pidFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process that outlives the caller (own session, no inherited stdio) and records it
 * in `pidFile`. The caller may exit at once; the process keeps running until stopped by PID.
 */
export function spawnDetached(options: SpawnDetachedOptions): PidRecord {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${options.command}`);
    }
    child.unref();
    const record = pidRecord(child.pid, [options.command, ...options.args].join(' '));
    writePidFile(options.pidFile, record);
    return record;
  } finally {
    closeSync(fd);
  }
}

export interface StopOptions {
  /** How long to wait after the polite signal before SIGKILL, in ms. Default 15000. */
  readonly graceMs?: number;
  /** The polite signal. Default SIGTERM (Postgres wants SIGINT: fast shutdown). */
  readonly signal?: NodeJS.Signals;
}

/** Waits until the process is gone; false when `timeoutMs` passed first. */
export async function waitForExit(
  pid: number,
  startTicks: number | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processState(pid, startTicks) !== ProcessState.gone) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Stops the process recorded in `pidFile` — only that PID, verified by its start time: the
 * polite signal (a paused process is resumed first so it can act on it), then SIGKILL after
 * the grace period. Returns the PID stopped, or undefined when nothing was running.
 */
export async function stopByPidFile(
  pidFile: string,
  options: StopOptions = {},
): Promise<number | undefined> {
  const live = livePid(pidFile);
  if (!live) return undefined;
  const { pid, startTicks } = live;
  sendSignal(pid, options.signal ?? 'SIGTERM');
  if (live.state === ProcessState.stopped) sendSignal(pid, 'SIGCONT');
  if (!(await waitForExit(pid, startTicks, options.graceMs ?? 15_000))) {
    sendSignal(pid, 'SIGKILL');
    if (!(await waitForExit(pid, startTicks, 5_000))) {
      // Still there (uninterruptible sleep, or another owner): keep the PID file, so the next
      // stop finds it again, and say so rather than forget a live process.
      throw new ConcordError(
        'STACK_STOP_FAILED',
        `pid ${pid} (${pidFile}) did not exit 5 s after SIGKILL; its PID file is kept`,
        { retriable: true, details: { pid, pidFile } },
      );
    }
  }
  rmSync(pidFile, { force: true });
  return pid;
}

/** Sends `signal` to the live process of `pidFile`; the PID, or undefined if none runs. */
export function signalByPidFile(pidFile: string, signal: NodeJS.Signals): number | undefined {
  const live = livePid(pidFile);
  if (!live) return undefined;
  sendSignal(live.pid, signal);
  return live.pid;
}

/** The last `lines` lines of a log file (for error messages), or '' when unreadable. */
export function tailFile(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Removes a PID file whose process is gone (used after SIGKILL by the fault injectors). */
export function clearPidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}
