import { randomBytes } from 'node:crypto';
import { loadConfig, topics, type ConcordConfig, type RegionId } from '@concord/config';
import { createKafka } from '@concord/kafka';
import { ident, migrate, pg } from '@concord/postgres';
import {
  deleteRedisPrefix,
  ensureStackTopics,
  requireStackEndpoints,
  StackController,
  withStackEndpoints,
} from '@concord/stack';

/**
 * Helpers for tests that run against the local stack brought up by stack-global-setup.ts.
 * Each test file gets its own namespace, so its topics (`<ns>.events.<region>`…), databases
 * (`<ns>_<region>`) and Redis keys (`<ns>:<region>:`) are its own; clean them up in afterAll.
 */

/** A fresh namespace name: `t` + 10 hex digits (fits CONCORD_NAMESPACE's pattern). */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/**
 * The configuration of the running stack for a fresh, unique namespace, with Postgres and
 * Redis URLs pointing where the stack really runs them (stack.json). `overrides` are keyed
 * by environment variable name (e.g. `{ CONCORD_REGION: 'us' }`).
 */
export function testConfig(
  overrides: Readonly<Record<string, string | undefined>> = {},
): ConcordConfig {
  const config = loadConfig({ overrides: { CONCORD_NAMESPACE: uniqueNamespace(), ...overrides } });
  return withStackEndpoints(config, requireStackEndpoints(config));
}

/** The stack's fault injectors (links, brokers, private servers) for `config`. */
export function testStack(config: ConcordConfig): StackController {
  return new StackController(config);
}

/** Creates the namespace's events, repair, DLQ and applied topics on each region's broker. */
export async function createTopics(
  config: ConcordConfig,
  regions: readonly RegionId[] = config.regions,
): Promise<void> {
  await Promise.all(regions.map((r) => ensureStackTopics(config, r)));
}

/** Deletes every topic of the namespace (`<ns>.*` and MM2 copies `<origin>.<ns>.*`) on each broker. */
export async function dropTopics(
  config: ConcordConfig,
  regions: readonly RegionId[] = config.regions,
): Promise<void> {
  const t = topics(config);
  await Promise.all(
    regions.map(async (r) => {
      const kafka = createKafka({
        clientId: 'concord-test-cleanup',
        brokers: config.byRegion[r]!.kafka.brokers,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const mine = (await admin.listTopics()).filter(
          (name) =>
            name.startsWith(`${config.namespace}.`) ||
            config.regions.some((o) => name === t.mirroredEvents(o)),
        );
        if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }),
  );
}

/** Creates and migrates each region's database of the namespace. */
export async function createDatabases(
  config: ConcordConfig,
  regions: readonly RegionId[] = config.regions,
): Promise<void> {
  await Promise.all(regions.map((r) => migrate(config.byRegion[r]!.postgres.url)));
}

/** Drops each region's database of the namespace (closing its connections). */
export async function dropDatabases(
  config: ConcordConfig,
  regions: readonly RegionId[] = config.regions,
): Promise<void> {
  for (const r of regions) {
    const url = new URL(config.byRegion[r]!.postgres.url);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(`drop database if exists ${ident(database)} with (force)`);
    } finally {
      await client.end();
    }
  }
}

/** Deletes the namespace's Redis keys of each region. */
export async function dropRedisKeys(
  config: ConcordConfig,
  regions: readonly RegionId[] = config.regions,
): Promise<void> {
  for (const r of regions) {
    const rc = config.byRegion[r]!;
    await deleteRedisPrefix(rc.redis.url, rc.redis.keyPrefix);
  }
}

/** Removes everything a test namespace created: topics, databases, Redis keys. */
export async function cleanupNamespace(config: ConcordConfig): Promise<void> {
  await Promise.allSettled([dropTopics(config), dropDatabases(config), dropRedisKeys(config)]);
}
