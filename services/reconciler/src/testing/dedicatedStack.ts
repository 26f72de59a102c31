import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConcordConfig, type RegionId } from '@concord/config';
import {
  ensureLocalTokens,
  runServices,
  serviceSpecs,
  Supervisor,
  type LocalTokens,
} from '@concord/runner';
import { readStackEndpoints, StackController, withStackEndpoints } from '@concord/stack';
import { uniqueNamespace } from '@concord/test-support';

/**
 * A three-region stack of its own (own state folder, port base 24000, shared Postgres/Redis
 * servers under a fresh namespace) with writer and mirror of every region supervised by the
 * runner, and each region's reconciler under a supervisor of its own, so a test can cut WAN
 * links and kill a reconciler without disturbing anyone else's stack.
 */
export class DedicatedStack {
  private readonly reconcilers = new Map<RegionId, Supervisor>();
  private services: Supervisor | undefined;

  private constructor(
    readonly config: ConcordConfig,
    readonly stack: StackController,
    readonly tokens: LocalTokens,
    private readonly stateDir: string,
  ) {}

  static async start(overrides: Readonly<Record<string, string>> = {}): Promise<DedicatedStack> {
    const stateDir = mkdtempSync(join(tmpdir(), 'concord-reconciler-e2e-'));
    chmodSync(stateDir, 0o755);
    const base = loadConfig({
      overrides: {
        CONCORD_PORT_BASE: '24000',
        CONCORD_STATE_DIR: stateDir,
        CONCORD_NAMESPACE: uniqueNamespace('rec'),
        CONCORD_PG_MODE: 'external',
        CONCORD_REDIS_MODE: 'external',
        ...overrides,
      },
    });
    const stack = new StackController(base);
    await stack.up();
    const config = withStackEndpoints(base, readStackEndpoints(base)!);
    const tokens = ensureLocalTokens(config);
    const self = new DedicatedStack(config, stack, tokens, stateDir);
    self.services = await runServices(config, { kinds: ['writer', 'mirror'] });
    await Promise.all(config.regions.map((r) => self.startReconciler(r)));
    return self;
  }

  /** Starts (again) the reconciler process of `region` and waits until it answers. */
  async startReconciler(region: RegionId): Promise<void> {
    const specs = serviceSpecs(this.config, readStackEndpoints(this.config), {
      tokens: this.tokens,
      kinds: ['reconciler'],
      regions: [region],
    });
    const supervisor = new Supervisor(specs, {
      statusFile: join(this.stateDir, 'services', `reconciler-${region}.json`),
    });
    supervisor.start();
    await supervisor.waitUntilUp(60_000);
    this.reconcilers.set(region, supervisor);
  }

  /** SIGKILLs the reconciler of `region` and keeps it down (its supervisor stops). */
  async killReconciler(region: RegionId): Promise<void> {
    const supervisor = this.reconcilers.get(region);
    if (!supervisor) return;
    const pid = supervisor.pidOf(`reconciler-${region}`);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await supervisor.stop();
    this.reconcilers.delete(region);
  }

  async close(): Promise<void> {
    await this.stack.links.heal().catch(() => undefined);
    await Promise.allSettled([...this.reconcilers.values()].map((s) => s.stop()));
    await this.services?.stop();
    // Keep the services' logs for a look after the run (test/artifacts is git-ignored).
    const logs = join(this.stateDir, 'logs');
    if (existsSync(logs)) {
      const kept = join(this.config.workspaceRoot, 'test', 'artifacts', 'reconciler-e2e-logs');
      rmSync(kept, { recursive: true, force: true });
      cpSync(logs, kept, { recursive: true });
    }
    await this.stack.down({ purge: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
