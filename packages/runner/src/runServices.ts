import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, sleep } from '@concord/core';
import {
  livePid,
  pidRecord,
  processState,
  ProcessState,
  readStackEndpoints,
  spawnDetached,
  stackUp,
  stopByPidFile,
  tailFile,
  waitForExit,
  withStackEndpoints,
  writePidFile,
  type ProgressSink,
} from '@concord/stack';
import { ensureLocalTokens } from './localTokens.js';
import { serviceSpecs } from './serviceSpecs.js';
import { ServiceState, type ServiceKind, type ServiceStatus } from './ServiceSpec.js';
import { Supervisor, type SupervisorStatusFile } from './Supervisor.js';

/** Files of the service supervisor under `<state>/services/`. */
export function runnerPaths(config: Pick<ConcordConfig, 'stateDir'>) {
  const dir = join(config.stateDir, 'services');
  return {
    dir,
    statusFile: join(dir, 'status.json'),
    pidFile: join(dir, 'supervisor.pid'),
    logFile: join(config.stateDir, 'logs', 'supervisor.log'),
  };
}

export interface RunOptions {
  readonly regions?: readonly RegionId[];
  readonly kinds?: readonly ServiceKind[];
  readonly progress?: ProgressSink;
  /** Extra environment for every service / per service name. */
  readonly env?: Readonly<Record<string, string>>;
  readonly envByService?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Node flags before each service's script (e.g. `--cpu-prof --cpu-prof-dir=…`). */
  readonly nodeArgs?: readonly string[];
  /** How long to wait for every service to answer /healthz. Default 120 s. */
  readonly readyTimeoutMs?: number;
  readonly onChange?: (status: ServiceStatus, previous: ServiceState | undefined) => void;
}

function assertBuilt(config: ConcordConfig, kinds: readonly ServiceKind[]): void {
  for (const kind of kinds) {
    const main = join(config.workspaceRoot, 'services', kind, 'dist', 'main.js');
    if (!existsSync(main)) {
      throw new ConcordError(
        'PREREQUISITE_MISSING',
        `${main} is missing — run \`pnpm build\` (or use ./concord)`,
      );
    }
  }
}

/**
 * Runs the services in this process: brings the stack up if needed (idempotent), then starts
 * and supervises writer, mirror and reconciler of each region until `stop()` is called.
 * Resolves once every service answers its health check.
 */
export async function runServices(
  config: ConcordConfig,
  options: RunOptions = {},
): Promise<Supervisor> {
  const kinds = options.kinds ?? ['writer', 'mirror', 'reconciler'];
  assertBuilt(config, kinds);
  const paths = runnerPaths(config);
  const other = livePid(paths.pidFile);
  if (other && other.pid !== process.pid) {
    throw new ConcordError(
      'PORT_IN_USE',
      `services already run under supervisor pid ${other.pid} — \`concord run --stop\` first`,
    );
  }
  await stackUp(config, options.progress ? { progress: options.progress } : {});
  const endpoints = readStackEndpoints(config);
  const tokens = ensureLocalTokens(config);
  const specs = serviceSpecs(config, endpoints, {
    tokens,
    kinds,
    ...(options.regions ? { regions: options.regions } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.envByService ? { envByService: options.envByService } : {}),
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
  writePidFile(paths.pidFile, pidRecord(process.pid, 'concord run'));
  const supervisor = new Supervisor(specs, {
    statusFile: paths.statusFile,
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  supervisor.start();
  try {
    await supervisor.waitUntilUp(options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    const details = supervisor
      .status()
      .filter((s) => s.state !== ServiceState.up)
      .map((s) => `${s.name}: ${tailFile(s.logFile, 5)}`)
      .join('\n');
    await supervisor.stop();
    throw new ConcordError('STACK_START_FAILED', `${(error as Error).message}\n${details}`, {
      cause: error,
    });
  }
  return supervisor;
}

/**
 * `config` pointed at where the running stack really keeps Postgres and Redis (stack.json):
 * a private server runs elsewhere than the configured defaults. Unchanged without a stack.
 */
export function effectiveConfig(config: ConcordConfig): ConcordConfig {
  const endpoints = readStackEndpoints(config);
  return endpoints ? withStackEndpoints(config, endpoints) : config;
}

/** The supervisor's last published status, with each PID checked against the kernel. */
export function readServicesStatus(config: Pick<ConcordConfig, 'stateDir'>): {
  supervisor: { pid: number; running: boolean } | undefined;
  services: ServiceStatus[];
} {
  const paths = runnerPaths(config);
  if (!existsSync(paths.statusFile)) return { supervisor: undefined, services: [] };
  const file = JSON.parse(readFileSync(paths.statusFile, 'utf8')) as SupervisorStatusFile;
  const supervisorLive = livePid(paths.pidFile);
  const running = supervisorLive !== undefined && supervisorLive.pid === file.supervisorPid;
  return {
    supervisor: { pid: file.supervisorPid, running },
    services: file.services.map((s) => {
      if (!running) return { ...s, state: ServiceState.stopped, pid: undefined };
      if (s.pid !== undefined && processState(s.pid, s.startTicks) === ProcessState.gone) {
        return { ...s, state: ServiceState.backoff, pid: undefined };
      }
      return s;
    }),
  };
}

/**
 * Starts the supervisor as a background process (`<cli> run --foreground …`) and waits until
 * every service is up.
 */
export async function runDetached(
  config: ConcordConfig,
  cliArgs: readonly string[],
  options: { readyTimeoutMs?: number } = {},
): Promise<ServiceStatus[]> {
  const paths = runnerPaths(config);
  const live = livePid(paths.pidFile);
  if (!live) {
    spawnDetached({
      command: process.execPath,
      args: cliArgs,
      logFile: paths.logFile,
      pidFile: join(paths.dir, 'launcher.pid'),
      cwd: config.workspaceRoot,
    });
  }
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    const { supervisor, services } = readServicesStatus(config);
    if (
      supervisor?.running &&
      services.length > 0 &&
      services.every((s) => s.state === ServiceState.up)
    ) {
      return services;
    }
    if (Date.now() > deadline) {
      throw new ConcordError(
        'STACK_START_FAILED',
        `services not up after ${options.readyTimeoutMs ?? 180_000} ms; see ${paths.logFile}:\n${tailFile(paths.logFile, 10)}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Stops the supervised services: SIGTERM to the supervisor (which stops its children), then
 * makes sure no recorded service PID is left (a supervisor killed with SIGKILL leaves them).
 */
export async function stopServices(
  config: Pick<ConcordConfig, 'stateDir'>,
): Promise<{ stopped: string[] }> {
  const paths = runnerPaths(config);
  const { services } = readServicesStatus(config);
  const stopped: string[] = [];
  const supervisorPid = await stopByPidFile(paths.pidFile, { graceMs: 30_000 });
  if (supervisorPid !== undefined) stopped.push(`supervisor (pid ${supervisorPid})`);
  for (const s of services) {
    if (s.pid === undefined || processState(s.pid, s.startTicks) === ProcessState.gone) continue;
    process.kill(s.pid, 'SIGTERM');
    if (!(await waitForExit(s.pid, s.startTicks, 15_000))) process.kill(s.pid, 'SIGKILL');
    stopped.push(`${s.name} (pid ${s.pid})`);
  }
  return { stopped };
}
