import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { brokersFor, type ConcordConfig, type RegionId } from '@concord/config';
import { ConcordError, sleep } from '@concord/core';
import { livePid, ProcessState, type PidRecord } from '../process/PidFile.js';
import { spawnDetached, stopByPidFile, tailFile } from '../process/processes.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';
import { forgetConnectorConfigs, sourcesWithNewConnection } from './connectorConfigs.js';
import {
  renderMirrorMakerLog4j,
  renderMirrorMakerProperties,
  type MirrorMakerSecurity,
} from './mirrorMakerProperties.js';

/** What `stack status` shows of a MirrorMaker 2 process. */
export interface MirrorMakerStatus {
  /** The region it replicates into. */
  readonly target: RegionId;
  /** The regions it copies from (one flow each). */
  readonly sources: readonly RegionId[];
  readonly state: 'running' | 'paused' | 'stopped';
  readonly pid: number | undefined;
  readonly log: string;
}

/** MirrorMakerSourceTask's line once a flow's task consumes: `… replicating N topic-partitions us->eu: […]`. */
const FLOW_STARTED = /replicating \d+ topic-partitions (\S+)->(\S+):/;

/**
 * The MirrorMaker 2 process replicating into one region (dedicated mode,
 * `org.apache.kafka.connect.mirror.MirrorMaker --clusters <target>`), run from the cached
 * mm2 jars with a small heap. Acts only on the PID in its PID file.
 */
export class MirrorMakerProcess {
  private readonly files;

  constructor(
    private readonly config: ConcordConfig,
    readonly target: RegionId,
    private readonly java = 'java',
    private readonly security?: MirrorMakerSecurity,
  ) {
    this.files = stackPaths(config).mm2(target);
  }

  get sources(): RegionId[] {
    return this.config.regions.filter((r) => r !== this.target);
  }

  process(): (PidRecord & { state: ProcessState }) | undefined {
    return livePid(this.files.pidFile);
  }

  status(): MirrorMakerStatus {
    const live = this.process();
    return {
      target: this.target,
      sources: this.sources,
      state: !live ? 'stopped' : live.state === ProcessState.stopped ? 'paused' : 'running',
      pid: live?.pid,
      log: join(this.files.logsDir, 'mm2.log'),
    };
  }

  renderProperties(): string {
    return renderMirrorMakerProperties(this.config, this.target, this.security);
  }

  /** True when the running process was started with other properties or JVM options than today's. */
  isStale(): boolean {
    try {
      const command = this.process()?.command;
      if (
        command !== undefined &&
        !command.endsWith(` ${this.jvmArgs(stackPaths(this.config).mm2Jars).join(' ')}`)
      )
        return true;
      return readFileSync(this.files.properties, 'utf8') !== this.renderProperties();
    } catch {
      return true;
    }
  }

  private jvmArgs(jarsDir: string): string[] {
    const f = this.files;
    return [
      `-Xmx${this.config.mm2.heapMb}m`,
      '-Xms32m',
      '-Xss512k',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${f.log4jProperties}`,
      '-cp',
      `${jarsDir}/*`,
      'org.apache.kafka.connect.mirror.MirrorMaker',
      f.properties,
      '--clusters',
      this.target,
    ];
  }

  /**
   * Writes its files (properties 0600: they may hold a password) and starts the JVM. When a
   * source's connection settings changed since the last start (e.g. `--secure` switched on), the
   * connector configs stored with the old ones are deleted first (see sourcesWithNewConnection).
   */
  start(jarsDir: string, progress?: ProgressSink): PidRecord & { logOffset: number } {
    const f = this.files;
    mkdirSync(f.logsDir, { recursive: true });
    const properties = this.renderProperties();
    let previous: string | undefined;
    try {
      previous = readFileSync(f.properties, 'utf8');
    } catch {
      previous = undefined; // never started here: nothing stored
    }
    const changed =
      previous === undefined ? [] : sourcesWithNewConnection(previous, properties, this.sources);
    if (changed.length > 0) {
      const deleted = forgetConnectorConfigs(brokersFor(this.config, this.target), changed);
      progress?.({
        part: 'mm2',
        region: this.target,
        message: `connection to ${changed.join(', ')} changed: deleted the connector configs stored with the old one (${deleted.join(', ') || 'none'})`,
      });
    }
    writeFileSync(f.properties, properties, { mode: 0o600 });
    chmodSync(f.properties, 0o600);
    writeFileSync(f.log4jProperties, renderMirrorMakerLog4j(f.logsDir));
    const log = join(f.logsDir, 'mm2.log');
    let logOffset = 0;
    try {
      logOffset = statSync(log).size;
    } catch {
      logOffset = 0;
    }
    const record = spawnDetached({
      command: this.java,
      args: this.jvmArgs(jarsDir),
      logFile: f.logFile,
      pidFile: f.pidFile,
      cwd: f.dir,
      // Fewer glibc malloc arenas: Connect runs ~40 threads, each would get its own.
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    progress?.({
      part: 'mm2',
      region: this.target,
      message: `started MirrorMaker 2 ${this.sources.map((s) => `${s}->${this.target}`).join(', ')} (pid ${record.pid})`,
    });
    return { ...record, logOffset };
  }

  /**
   * Waits until every flow's task consumes (its "replicating … topic-partitions" line after
   * `logOffset`). False when `timeoutMs` passed first (a source unreachable behind a cut link:
   * MirrorMaker keeps trying and catches up after heal); fails when the process exits.
   */
  async waitReady(logOffset: number, timeoutMs = 60_000): Promise<boolean> {
    const log = join(this.files.logsDir, 'mm2.log');
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.sources);
    while (pending.size > 0) {
      if (!this.process()) {
        const tail = [
          ...tailFile(this.files.logFile, 5).split('\n'),
          ...tailFile(log, 200)
            .split('\n')
            .filter((l) => / (ERROR|FATAL) /.test(l))
            .slice(-3),
        ]
          .filter(Boolean)
          .join(' | ');
        throw new ConcordError(
          'STACK_START_FAILED',
          `MirrorMaker 2 into ${this.target} exited during start${tail ? `: ${tail}` : ''} (logs: ${this.files.logsDir})`,
          { retriable: false, details: { region: this.target, logs: this.files.logsDir } },
        );
      }
      for (const line of readFrom(log, logOffset).split('\n')) {
        const m = FLOW_STARTED.exec(line);
        if (m && m[2] === this.target) pending.delete(m[1]!);
      }
      if (pending.size === 0) break;
      if (Date.now() >= deadline) return false;
      await sleep(250);
    }
    return true;
  }

  /** SIGTERM (Connect commits its source offsets), SIGKILL after `graceMs`. */
  stop(graceMs = 15_000): Promise<number | undefined> {
    return stopByPidFile(this.files.pidFile, { graceMs });
  }

  /** SIGKILL: a crash (MirrorMaker resumes from its last committed offsets; copies may repeat records). */
  kill(): Promise<number | undefined> {
    return stopByPidFile(this.files.pidFile, { signal: 'SIGKILL', graceMs: 5_000 });
  }
}

/** The text of `file` after byte `offset` (up to 4 MiB), '' when unreadable. */
function readFrom(file: string, offset: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = statSync(file).size;
    // A rolled-over log starts again at 0.
    const from = size < offset ? 0 : offset;
    const length = Math.min(size - from, 4 * 1024 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, from);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Stops the MirrorMaker 2 processes recorded under `<state>/mm2/` (by PID), except those
 * replicating into a region of `keep`; returns what was stopped.
 */
export async function stopMirrorMakers(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
  keep: readonly RegionId[] = [],
): Promise<{ target: RegionId; pid: number }[]> {
  const paths = stackPaths(config);
  let targets: string[];
  try {
    targets = readdirSync(paths.mm2Root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !keep.includes(d.name))
      .map((d) => d.name);
  } catch {
    return [];
  }
  const stopped = await Promise.all(
    targets.map(async (target) => ({
      target,
      pid: await stopByPidFile(paths.mm2(target).pidFile, { graceMs: 15_000 }),
    })),
  );
  return stopped.filter((s): s is { target: RegionId; pid: number } => s.pid !== undefined);
}
