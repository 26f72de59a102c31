import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, withRetry } from '@concord/core';
import { livePid, ProcessState, waitForProcessState, type PidRecord } from '../process/PidFile.js';
import { signalByPidFile, spawnDetached, stopByPidFile, tailFile } from '../process/processes.js';
import type { ProgressSink } from '../progress.js';
import {
  brokerScramUsers,
  scramCredential,
  writeScramStamp,
  type ScramUser,
} from '../security/scramUsers.js';
import { stackPaths } from '../StackPaths.js';
import { runJavaTool } from './javaTool.js';
import {
  brokerJvmArgs,
  renderLog4jProperties,
  renderServerProperties,
} from './serverProperties.js';

/** What `stack status` shows of a broker. */
export interface BrokerStatus {
  readonly region: RegionId;
  readonly state: 'running' | 'paused' | 'stopped';
  readonly pid: number | undefined;
  readonly port: number;
  readonly controllerPort: number;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding (as Kafka's Uuid prints it). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** How a broker of a `--secure` stack serves its PEER listeners (see renderServerProperties). */
export interface BrokerSecurity {
  /** PEM with the broker's private key and certificate. */
  readonly keystore: string;
}

/**
 * The single-node KRaft broker of one region, run from the cached jars. Every method acts on
 * the process recorded in the region's PID file and nothing else.
 */
export class KafkaBroker {
  private readonly files;

  constructor(
    private readonly config: ConcordConfig,
    readonly region: RegionId,
    private readonly java = 'java',
    /** Set on a `--secure` stack: SASL_SSL PEER listeners, SCRAM users written at format. */
    private readonly security?: BrokerSecurity,
  ) {
    this.files = stackPaths(config).kafka(region);
  }

  /** The live broker process, if any. */
  process(): (PidRecord & { state: ProcessState }) | undefined {
    return livePid(this.files.pidFile);
  }

  status(): BrokerStatus {
    const live = this.process();
    const k = this.config.byRegion[this.region]!.kafka;
    return {
      region: this.region,
      state: !live ? 'stopped' : live.state === ProcessState.stopped ? 'paused' : 'running',
      pid: live?.pid,
      port: k.port,
      controllerPort: k.controllerPort,
    };
  }

  /** The server.properties this config renders for the broker. */
  renderProperties(): string {
    return renderServerProperties(this.config, this.region, {
      dataDir: this.files.dataDir,
      ...(this.security ? { security: { keystore: this.security.keystore } } : {}),
    });
  }

  /** True when the running broker was started with different properties than today's config. */
  isStale(): boolean {
    try {
      return readFileSync(this.files.serverProperties, 'utf8') !== this.renderProperties();
    } catch {
      return true;
    }
  }

  /** Writes the config files, formats the storage on first start, starts the JVM (no wait). */
  async start(jarsDir: string, progress?: ProgressSink): Promise<PidRecord> {
    const f = this.files;
    mkdirSync(f.dataDir, { recursive: true });
    mkdirSync(f.logsDir, { recursive: true });
    writeFileSync(f.serverProperties, this.renderProperties());
    writeFileSync(f.log4jProperties, renderLog4jProperties(f.logsDir));
    if (!existsSync(join(f.dataDir, 'meta.properties'))) {
      let clusterId = existsSync(f.clusterIdFile)
        ? readFileSync(f.clusterIdFile, 'utf8').trim()
        : '';
      if (!clusterId) {
        clusterId = newClusterId();
        writeFileSync(f.clusterIdFile, clusterId + '\n');
      }
      // A secure stack's SCRAM users go into the metadata log with the format (KIP-900): they
      // exist before any listener opens, and no extra JVM is needed to create them.
      const users: ScramUser[] = this.security ? brokerScramUsers(this.config, this.region) : [];
      progress?.({
        part: 'kafka',
        region: this.region,
        message: `formatting storage (cluster ${clusterId}${users.length ? `, SCRAM users ${users.map((u) => u.username).join(', ')}` : ''})`,
      });
      await this.runTool(
        jarsDir,
        [
          'format',
          '--ignore-formatted',
          '-t',
          clusterId,
          '-c',
          f.serverProperties,
          ...users.flatMap((u) => ['--add-scram', scramCredential(u)]),
        ],
        users.map((u) => u.password),
      );
      if (users.length > 0) writeScramStamp(this.config, this.region, users);
    }
    const record = spawnDetached({
      command: this.java,
      args: [
        ...brokerJvmArgs(this.config, jarsDir, f.log4jProperties, 'kafka.Kafka'),
        f.serverProperties,
      ],
      logFile: f.logFile,
      pidFile: f.pidFile,
      cwd: f.dir,
    });
    progress?.({ part: 'kafka', region: this.region, message: `started (pid ${record.pid})` });
    return record;
  }

  /** Waits until the broker answers describeCluster on its local listener. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const k = this.config.byRegion[this.region]!.kafka;
    const kafka = new Kafka({
      clientId: `concord-stack-${this.region}`,
      brokers: [`127.0.0.1:${k.port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 3000,
      retry: { retries: 0 },
    });
    const deadline = Date.now() + timeoutMs;
    await withRetry(
      async () => {
        const admin = kafka.admin();
        try {
          await admin.connect();
          await admin.describeCluster();
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      },
      {
        attempts: Math.ceil(timeoutMs / 250),
        initialDelayMs: 250,
        maxDelayMs: 500,
        retryIf: () => Date.now() < deadline && this.process() !== undefined,
      },
    ).catch((error: unknown) => {
      throw this.startFailed(
        this.process()
          ? `did not become ready within ${Math.round(timeoutMs / 1000)} s`
          : 'exited during start',
        error,
      );
    });
  }

  /** SIGTERM (controlled shutdown), SIGKILL after `graceMs`. */
  stop(graceMs = 20_000): Promise<number | undefined> {
    return stopByPidFile(this.files.pidFile, { graceMs });
  }

  /** SIGKILL at once: a crash, for fault injection. */
  async kill(): Promise<number | undefined> {
    return stopByPidFile(this.files.pidFile, { signal: 'SIGKILL', graceMs: 5_000 });
  }

  /**
   * SIGSTOP: the broker freezes with its connections open (a hung broker). Resolves once the
   * kernel reports it stopped, so a status read afterwards says `paused`.
   */
  async pause(): Promise<number | undefined> {
    const pid = signalByPidFile(this.files.pidFile, 'SIGSTOP');
    if (pid !== undefined) await waitForProcessState(pid, ProcessState.stopped);
    return pid;
  }

  /** SIGCONT after {@link pause}; resolves once the kernel reports it running again. */
  async resume(): Promise<number | undefined> {
    const pid = signalByPidFile(this.files.pidFile, 'SIGCONT');
    if (pid !== undefined) await waitForProcessState(pid, ProcessState.running);
    return pid;
  }

  private startFailed(reason: string, cause?: unknown): ConcordError {
    const f = this.files;
    const serverErrors = tailFile(join(f.logsDir, 'server.log'), 200)
      .split('\n')
      .filter((l) => / (ERROR|FATAL) /.test(l))
      .slice(-3);
    const tail = [...tailFile(f.logFile, 5).split('\n'), ...serverErrors]
      .filter(Boolean)
      .join(' | ');
    return new ConcordError(
      'STACK_START_FAILED',
      `Kafka broker of ${this.region} ${reason}${tail ? `: ${tail}` : ''} (logs: ${f.logsDir})`,
      { cause, retriable: false, details: { region: this.region, logs: f.logsDir } },
    );
  }

  private async runTool(jarsDir: string, args: string[], secrets: string[] = []): Promise<void> {
    const f = this.files;
    const { code, output } = await runJavaTool({
      java: this.java,
      cwd: f.dir,
      secrets,
      args: [
        ...brokerJvmArgs(this.config, jarsDir, f.log4jProperties, 'kafka.tools.StorageTool'),
        ...args,
      ],
    });
    if (code !== 0) {
      throw this.startFailed(
        `storage format failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
  }
}
