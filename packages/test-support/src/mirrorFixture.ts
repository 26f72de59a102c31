import type { ConcordConfig, RegionId } from '@concord/config';
import { startMirror, type MirrorHandle, type StartMirrorOptions } from '@concord/mirror';
import type { pg } from '@concord/postgres';
import { regionPool, RegionProducers } from './signedEvents.js';
import { cleanupNamespace, createDatabases, createTopics, testConfig } from './testStack.js';

/*
 * The shared fixture of the mirror's integration and end-to-end specs (docs/local-stack.md,
 * "Programmatic API"): a fresh namespace's config, its topics and databases, one producer per
 * region, pools on the projection databases, and the mirrors started through it, all removed
 * again by `teardown`. Use as `beforeAll(fx.setup)` and `afterAll(fx.teardown)`.
 */

export interface MirrorFixtureOptions {
  /**
   * testConfig overrides (environment variable names). Default: `CONCORD_INSECURE=true`,
   * `CONCORD_LOG_LEVEL=error`; when given, they replace that default as a whole.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whose projection databases get a pool at setup. Default: every region. */
  readonly pools?: readonly RegionId[];
}

export interface MirrorFixture {
  readonly config: ConcordConfig;
  readonly producers: RegionProducers;
  /** The mirrors started through `start`, in start order (closed by `teardown`). */
  readonly mirrors: readonly MirrorHandle[];
  /** Pools on the projection databases of `options.pools`, by region (filled by setup). */
  readonly pools: ReadonlyMap<RegionId, pg.Pool>;
  /** The pool on `region`'s projection database (one of `options.pools`, after setup). */
  pool(region: RegionId): pg.Pool;
  /** Starts a mirror, by default on a free port of 127.0.0.1; `teardown` closes it. */
  start(options: StartMirrorOptions & { readonly region: RegionId }): Promise<MirrorHandle>;
  /** Creates the namespace's topics and databases and opens the pools. */
  setup(): Promise<void>;
  /** Closes the mirrors, producers and pools and removes the namespace. */
  teardown(): Promise<void>;
}

export function mirrorFixture(options: MirrorFixtureOptions = {}): MirrorFixture {
  const config = testConfig(
    options.env ?? { CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' },
  );
  const producers = new RegionProducers(config);
  const mirrors: MirrorHandle[] = [];
  const pools = new Map<RegionId, pg.Pool>();
  return {
    config,
    producers,
    mirrors,
    pools,
    pool(region) {
      const pool = pools.get(region);
      if (!pool) throw new Error(`mirror fixture: no pool for ${region} (not set up?)`);
      return pool;
    },
    async start(start) {
      const mirror = await startMirror(config, { port: 0, host: '127.0.0.1', ...start });
      mirrors.push(mirror);
      return mirror;
    },
    async setup() {
      await Promise.all([createTopics(config), createDatabases(config)]);
      for (const region of options.pools ?? config.regions) {
        pools.set(region, regionPool(config, region));
      }
    },
    async teardown() {
      await Promise.allSettled(mirrors.map((m) => m.close()));
      await producers.close();
      await Promise.allSettled([...pools.values()].map((p) => p.end()));
      await cleanupNamespace(config);
    },
  };
}
