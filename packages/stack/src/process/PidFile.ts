import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What the stack records about a process it started. The kernel start time guards against PID
 * reuse: a PID file whose process has died and whose PID now belongs to someone else is stale,
 * and the stack must never signal that stranger.
 */
export interface PidRecord {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); absent where /proc is missing. */
  readonly startTicks?: number;
  /** What was started, for humans reading `stack status`. */
  readonly command: string;
  readonly startedAt: string;
}

/** Process state as the kernel reports it. `stopped` = SIGSTOP'ed (paused). */
export const ProcessState = {
  running: 'running',
  stopped: 'stopped',
  gone: 'gone',
} as const;
export type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

interface ProcStat {
  readonly state: string;
  readonly startTicks: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const startTicks = Number(fields[19]);
    if (state === undefined || !Number.isFinite(startTicks)) return undefined;
    return { state, startTicks };
  } catch {
    return undefined;
  }
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of `pid`, verified against the start time recorded with it when there is one. */
export function processState(pid: number, startTicks?: number): ProcessState {
  if (!Number.isInteger(pid) || pid <= 0) return ProcessState.gone;
  if (!existsSync('/proc/self/stat'))
    return signalZero(pid) ? ProcessState.running : ProcessState.gone;
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return ProcessState.gone;
  if (startTicks !== undefined && stat.startTicks !== startTicks) return ProcessState.gone;
  return stat.state === 'T' ? ProcessState.stopped : ProcessState.running;
}

/** Builds the record for a process just started (reads its start time from /proc). */
export function pidRecord(pid: number, command: string): PidRecord {
  const stat = readProcStat(pid);
  return {
    pid,
    ...(stat ? { startTicks: stat.startTicks } : {}),
    command,
    startedAt: new Date().toISOString(),
  };
}

/** Writes `record` atomically (a reader never sees half a file). */
export function writePidFile(file: string, record: PidRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record) + '\n');
  renameSync(tmp, file);
}

/** Reads a PID file; undefined when it is missing or unreadable. */
export function readPidFile(file: string): PidRecord | undefined {
  try {
    const raw = readFileSync(file, 'utf8').trim();
    if (/^\d+$/.test(raw)) return { pid: Number(raw), command: '', startedAt: '' };
    const parsed = JSON.parse(raw) as Partial<PidRecord>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      ...(typeof parsed.startTicks === 'number' ? { startTicks: parsed.startTicks } : {}),
      command: typeof parsed.command === 'string' ? parsed.command : '',
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
    };
  } catch {
    return undefined;
  }
}

/** The live process behind a PID file, or undefined (a stale file is removed). */
export function livePid(file: string): (PidRecord & { state: ProcessState }) | undefined {
  const record = readPidFile(file);
  if (!record) return undefined;
  const state = processState(record.pid, record.startTicks);
  if (state === ProcessState.gone) {
    rmSync(file, { force: true });
    return undefined;
  }
  return { ...record, state };
}

/**
 * Resolves once the kernel reports `pid` in `want` (a signal is delivered asynchronously:
 * right after SIGSTOP, /proc may still say running). Resolves too when the process is gone;
 * rejects after `timeoutMs`.
 */
export async function waitForProcessState(
  pid: number,
  want: typeof ProcessState.stopped | typeof ProcessState.running,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = processState(pid);
    if (state === want || state === ProcessState.gone) return;
    if (Date.now() > deadline) {
      throw new Error(`process ${pid} did not reach state ${want} within ${timeoutMs} ms`);
    }
    // A bounded wait for a kernel state transition (microseconds to milliseconds), not a poll
    // for work.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
