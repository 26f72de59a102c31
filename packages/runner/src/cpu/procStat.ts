/**
 * Parsing of /proc/<pid>/stat and the arithmetic of CPU use between two readings (pure). See
 * docs/performance.md for how `concord bench system` uses it.
 */

/** CPU time a process has spent so far, in clock ticks (`utime` + `stime`), and its identity. */
export interface ProcCpu {
  readonly pid: number;
  /** Kernel start time in ticks since boot: tells a reused PID from the process we saw first. */
  readonly startTicks: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
}

/**
 * Parses the text of /proc/<pid>/stat. The command name (field 2) is parenthesised and may hold
 * spaces and parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcCpu {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isInteger(pid)) throw new Error(`not a /proc/<pid>/stat line: ${text}`);
  // After ")": field 3 (state) is rest[0]; utime = field 14, stime = 15, starttime = 22.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number) => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/${pid}/stat has no field ${n}`);
    return v;
  };
  return { pid, utimeTicks: field(14), stimeTicks: field(15), startTicks: field(22) };
}

/**
 * Ticks a set of processes spent between two readings. A process only in `after` started in
 * between (all its ticks count); one only in `before` ended (its last ticks are unknown: not
 * counted); a PID whose start time changed is a new process.
 */
export function cpuTicksBetween(before: readonly ProcCpu[], after: readonly ProcCpu[]): number {
  const first = new Map(before.map((p) => [p.pid, p]));
  let ticks = 0;
  for (const p of after) {
    const b = first.get(p.pid);
    const total = p.utimeTicks + p.stimeTicks;
    ticks += b && b.startTicks === p.startTicks ? total - (b.utimeTicks + b.stimeTicks) : total;
  }
  return Math.max(0, ticks);
}

/** Cores used on average: CPU seconds (ticks / ticksPerSecond) per wall-clock second. */
export function coresUsed(ticks: number, ticksPerSecond: number, wallSeconds: number): number {
  if (wallSeconds <= 0 || ticksPerSecond <= 0) return 0;
  return ticks / ticksPerSecond / wallSeconds;
}
