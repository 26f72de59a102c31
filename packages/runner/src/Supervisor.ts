import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { backoffDelay, sleep } from '@concord/core';
import { pidRecord } from '@concord/stack';
import { ServiceState, type ServiceSpec, type ServiceStatus } from './ServiceSpec.js';

export interface SupervisorOptions {
  /** Where the supervisor publishes its status (JSON), rewritten on every change. */
  readonly statusFile: string;
  /** First restart delay in ms; doubles per consecutive crash up to `maxBackoffMs`. Default 500. */
  readonly initialBackoffMs?: number;
  /** Default 30000. */
  readonly maxBackoffMs?: number;
  /** Running this long counts as healthy again: the back-off resets. Default 30000. */
  readonly stableAfterMs?: number;
  /** SIGTERM → SIGKILL grace on stop, in ms. Default 15000. */
  readonly stopGraceMs?: number;
  /** Health poll period in ms. Default 1000. */
  readonly healthPollMs?: number;
  /** Called on every state change (for progress output). */
  readonly onChange?: (status: ServiceStatus, previous: ServiceState | undefined) => void;
}

interface Child {
  spec: ServiceSpec;
  /** Set by `restart`: the next exit respawns at once, without counting a crash. */
  restartRequested: boolean;
  process: ChildProcess | undefined;
  status: ServiceStatus;
  crashes: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface SupervisorStatusFile {
  readonly supervisorPid: number;
  readonly updatedAt: string;
  readonly stopping: boolean;
  readonly services: readonly ServiceStatus[];
}

/**
 * Runs a set of service processes and keeps them running: a crashed (or SIGKILLed) service is
 * restarted with exponential back-off, each writes to its own log file, and the whole set stops
 * cleanly (SIGTERM, then SIGKILL after a grace period) on `stop()`.
 */
export class Supervisor {
  private readonly children = new Map<string, Child>();
  private stopping = false;
  private healthTimer: NodeJS.Timeout | undefined;

  /** The process of a service, for fault injection (SIGKILL, SIGSTOP). */
  pidOf(name: string): number | undefined {
    return this.children.get(name)?.status.pid;
  }

  constructor(
    specs: readonly ServiceSpec[],
    private readonly options: SupervisorOptions,
  ) {
    for (const spec of specs) {
      this.children.set(spec.name, {
        spec,
        process: undefined,
        restartRequested: false,
        crashes: 0,
        startedAt: 0,
        restartTimer: undefined,
        status: {
          name: spec.name,
          kind: spec.kind,
          region: spec.region,
          state: ServiceState.stopped,
          pid: undefined,
          startTicks: undefined,
          port: spec.port,
          url: spec.url,
          logFile: spec.logFile,
          restarts: 0,
          lastExit: undefined,
          since: new Date().toISOString(),
        },
      });
    }
  }

  /** Starts every service; resolves once all have been spawned (not necessarily healthy). */
  start(): void {
    for (const child of this.children.values()) this.spawn(child);
    const poll = this.options.healthPollMs ?? 1000;
    this.healthTimer = setInterval(() => void this.pollHealth(), poll);
    this.writeStatus();
  }

  /** Current status of every service. */
  status(): ServiceStatus[] {
    return [...this.children.values()].map((c) => c.status);
  }

  /** True once every service answered its health check since its last start. */
  allUp(): boolean {
    return this.status().every((s) => s.state === ServiceState.up);
  }

  /** Waits until every service is up; rejects after `timeoutMs`. */
  async waitUntilUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.allUp()) {
      if (Date.now() > deadline) {
        const down = this.status().filter((s) => s.state !== ServiceState.up);
        throw new Error(
          `not up after ${timeoutMs} ms: ${down.map((s) => `${s.name} (${s.state})`).join(', ')}`,
        );
      }
      await sleep(100);
    }
  }

  /**
   * Restarts one service (SIGTERM, then spawn at once), optionally with changed environment
   * (e.g. a skewed clock for chaos). Resolves when the new process is up.
   */
  async restart(
    name: string,
    envPatch: Readonly<Record<string, string | undefined>> = {},
    timeoutMs = 60_000,
  ): Promise<void> {
    const child = this.children.get(name);
    if (!child) throw new Error(`no service ${name}`);
    const env: Record<string, string> = { ...child.spec.env };
    for (const [k, v] of Object.entries(envPatch)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    child.spec = { ...child.spec, env };
    const proc = child.process;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      child.restartRequested = true;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), this.options.stopGraceMs ?? 15_000);
      await exited;
      clearTimeout(timer);
    } else {
      clearTimeout(child.restartTimer);
      this.spawn(child);
    }
    const deadline = Date.now() + timeoutMs;
    while (child.status.state !== ServiceState.up) {
      if (Date.now() > deadline) throw new Error(`${name} not up ${timeoutMs} ms after restart`);
      await sleep(50);
    }
  }

  /** Stops every service: SIGTERM, SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.healthTimer);
    const grace = this.options.stopGraceMs ?? 15_000;
    await Promise.all(
      [...this.children.values()].map(async (child) => {
        clearTimeout(child.restartTimer);
        const proc = child.process;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
          this.setState(child, ServiceState.stopped);
          return;
        }
        this.setState(child, ServiceState.stopping);
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGCONT'); // a paused (SIGSTOP) service must be able to act on SIGTERM
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), grace);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.writeStatus();
  }

  private spawn(child: Child): void {
    const { spec } = child;
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k, v]) => !k.startsWith('CONCORD_') && v !== undefined),
    ) as Record<string, string>;
    let proc: ChildProcess;
    try {
      proc = spawn(spec.command, [...spec.args], {
        env: { ...inherited, ...spec.env },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    child.process = proc;
    child.startedAt = Date.now();
    const record = proc.pid === undefined ? undefined : pidRecord(proc.pid, spec.name);
    child.status = { ...child.status, pid: proc.pid, startTicks: record?.startTicks };
    this.setState(child, ServiceState.starting);
    proc.on('error', () => {
      // spawn failure: reported through 'exit' (code null) as a crash
    });
    proc.once('exit', (code, signal) => {
      child.process = undefined;
      child.status = {
        ...child.status,
        pid: undefined,
        startTicks: undefined,
        lastExit: { code, signal, at: new Date().toISOString() },
      };
      if (this.stopping) {
        this.setState(child, ServiceState.stopped);
        return;
      }
      if (child.restartRequested) {
        child.restartRequested = false;
        child.status = { ...child.status, restarts: child.status.restarts + 1 };
        this.spawn(child);
        return;
      }
      const stableAfter = this.options.stableAfterMs ?? 30_000;
      child.crashes = Date.now() - child.startedAt >= stableAfter ? 1 : child.crashes + 1;
      const delay = backoffDelay(child.crashes, {
        initialDelayMs: this.options.initialBackoffMs ?? 500,
        maxDelayMs: this.options.maxBackoffMs ?? 30_000,
        jitter: 0.1,
      });
      this.setState(child, ServiceState.backoff);
      child.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        child.status = { ...child.status, restarts: child.status.restarts + 1 };
        this.spawn(child);
      }, delay);
    });
  }

  private async pollHealth(): Promise<void> {
    await Promise.all(
      [...this.children.values()]
        .filter((c) => c.status.state === ServiceState.starting)
        .map(async (child) => {
          try {
            const res = await fetch(`${child.spec.url}/healthz`, {
              signal: AbortSignal.timeout(1000),
            });
            if (res.ok && child.status.state === ServiceState.starting)
              this.setState(child, ServiceState.up);
          } catch {
            // not listening yet
          }
        }),
    );
  }

  private setState(child: Child, state: ServiceState): void {
    const previous = child.status.state;
    child.status = { ...child.status, state, since: new Date().toISOString() };
    if (previous !== state) this.options.onChange?.(child.status, previous);
    this.writeStatus();
  }

  private writeStatus(): void {
    const file = this.options.statusFile;
    const body: SupervisorStatusFile = {
      supervisorPid: process.pid,
      updatedAt: new Date().toISOString(),
      stopping: this.stopping,
      services: this.status(),
    };
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
    renameSync(tmp, file);
  }
}
