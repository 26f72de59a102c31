import { regionEnvPrefix, type ConcordConfig, type RegionId } from '@concord/config';
import type { DomainRegistry, Envelope } from '@concord/core';
import { runCli, type CliContext } from '@concord/cli';
import { startMirror, type MirrorHandle } from '@concord/mirror';
import { startReconciler, type RunningReconciler } from '@concord/reconciler';
import { createLogger, type Logger } from '@concord/telemetry';
import { startWriter, type RunningWriter } from '@concord/writer';
import { createPool, type pg } from '@concord/postgres';
import { testConfig, freePorts } from '@concord/test-support';

/** The three services of one region, all running one release of the domain modules. */
interface RegionServices {
  readonly domains: DomainRegistry;
  readonly mirror: MirrorHandle;
  readonly writer: RunningWriter;
  readonly reconciler: RunningReconciler;
}

export const API_TOKEN = 'api-token-rolling-upgrade-0001';
export const ADMIN_TOKEN = 'admin-token-rolling-upgrade-0001';

/**
 * Three regions on the local stack (a namespace of their own), each running writer, mirror and
 * reconciler in-process with the domain modules it is given — so a test can run regions on
 * different releases of a domain and "upgrade" one by restarting its services with the next.
 * Production wiring is untouched: the services already take `domains`.
 */
export class UpgradeCluster {
  private readonly running = new Map<RegionId, RegionServices>();
  readonly logger: Logger;

  private constructor(readonly config: ConcordConfig) {
    this.logger = createLogger({
      service: 'rolling-upgrade-test',
      level: (process.env['TEST_LOG_LEVEL'] as 'error' | undefined) ?? 'error',
    });
  }

  static async create(regions: readonly RegionId[]): Promise<UpgradeCluster> {
    const ports = await freePorts(3 * regions.length);
    const env: Record<string, string> = {};
    regions.forEach((r, i) => {
      env[`${regionEnvPrefix(r)}WRITER_PORT`] = String(ports[3 * i]);
      env[`${regionEnvPrefix(r)}MIRROR_PORT`] = String(ports[3 * i + 1]);
      env[`${regionEnvPrefix(r)}RECONCILER_PORT`] = String(ports[3 * i + 2]);
    });
    return new UpgradeCluster(
      testConfig({
        CONCORD_REGIONS: regions.join(','),
        CONCORD_API_TOKENS: API_TOKEN,
        CONCORD_ADMIN_TOKEN: ADMIN_TOKEN,
        CONCORD_OWNER_FAILOVER_MS: '2000',
        CONCORD_ANTI_ENTROPY_INTERVAL_MS: '1000',
        CONCORD_LOG_LEVEL: 'error',
        ...env,
      }),
    );
  }

  /** Starts (the services of) `region` with the domain modules of one release. */
  async start(region: RegionId, domains: DomainRegistry): Promise<void> {
    if (this.running.has(region)) throw new Error(`${region} is running`);
    const logger = this.logger.child({ region });
    const mirror = await startMirror(this.config, {
      region,
      host: '127.0.0.1',
      domains,
      logger: logger.child({ service: 'mirror' }),
      sweepIntervalMs: 2000,
      verifyThreads: 0,
    });
    const writer = await startWriter(
      { ...this.config, region },
      { host: '127.0.0.1', domains, logger: logger.child({ service: 'writer' }) },
    );
    const reconciler = await startReconciler(this.config, {
      region,
      host: '127.0.0.1',
      domains,
      logger: logger.child({ service: 'reconciler' }),
      tuning: { resolvePollMs: 100 },
    });
    this.running.set(region, { domains, mirror, writer, reconciler });
  }

  /** Stops every service of `region` (graceful: what was queued is applied). */
  async stop(region: RegionId): Promise<void> {
    const services = this.running.get(region);
    if (!services) return;
    this.running.delete(region);
    await services.reconciler.close();
    await services.writer.close();
    await services.mirror.close();
  }

  /** Restarts `region` with other domain modules: the upgrade of its code. */
  async upgrade(region: RegionId, domains: DomainRegistry): Promise<void> {
    await this.stop(region);
    await this.start(region, domains);
  }

  services(region: RegionId): RegionServices {
    const services = this.running.get(region);
    if (!services) throw new Error(`${region} is not running`);
    return services;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running.keys()].map((r) => this.stop(r)));
  }

  /** `concord <args>` in-process against this cluster's configuration. */
  async concord(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      interactive: false,
      config: () => this.config,
    };
    const code = await runCli(['node', 'concord', ...args], ctx);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
}

/** Direct SQL on each region's projection, for assertions. */
export class RegionDbs {
  private readonly pools = new Map<RegionId, pg.Pool>();

  constructor(config: ConcordConfig) {
    for (const r of config.regions)
      this.pools.set(r, createPool(config.byRegion[r]!.postgres.url, { max: 2 }));
  }

  async query<R extends pg.QueryResultRow>(region: RegionId, sql: string, values: unknown[] = []) {
    return (await this.pools.get(region)!.query<R>(sql, values)).rows;
  }

  /** Ids applied in `region` among `ids`. */
  async applied(region: RegionId, ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.query<{ id: string }>(
      region,
      'select id from projection.events where id = any($1::uuid[])',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The parked events of `region`: id → what they miss. */
  async pending(region: RegionId): Promise<Map<string, string[]>> {
    const rows = await this.query<{ id: string; missing: string[] }>(
      region,
      'select id, missing from projection.pending',
    );
    return new Map(rows.map((r) => [r.id, r.missing]));
  }

  /** Every applied envelope of `region`. */
  async events(region: RegionId): Promise<Envelope[]> {
    const rows = await this.query<{ envelope: Envelope }>(
      region,
      'select envelope from projection.events order by applied_seq',
    );
    return rows.map((r) => r.envelope);
  }

  async openConflicts(region: RegionId): Promise<number> {
    const rows = await this.query<{ n: number }>(
      region,
      "select count(*)::int as n from projection.conflicts where status = 'open'",
    );
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }
}
