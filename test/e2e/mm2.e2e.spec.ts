import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, topics, type RegionId } from '@concord/config';
import { median } from '@concord/core';
import { createKafka } from '@concord/kafka';
import { pg } from '@concord/postgres';
import { readLocalTokens } from '@concord/runner';
import {
  type ConcordRun,
  dropDatabases,
  dropRedisKeys,
  runConcord,
  uniqueNamespace,
} from '@concord/test-support';

/**
 * MirrorMaker 2 mode end to end, on a stack of its own (port base 23000, own state folder and
 * namespace, the machine's Postgres and Redis): `stack up --mm2` runs one MirrorMaker 2 per
 * region, the demo converges with every mirror reading the local copies
 * `<origin>.<ns>.events.<origin>` (checked in Kafka and in each region's applied events), and a
 * short chaos run (on the chaos stack, port base 25000, also mm2) keeps every promise with
 * MirrorMaker itself recovering from every fault.
 */
const state = mkdtempSync(join(tmpdir(), 'concord-mm2-'));
// mkdtemp makes it 0700; run as root, the chaos stack's private Postgres runs as the
// `postgres` user, which must be able to reach its data folder below.
chmodSync(state, 0o755);
const env = {
  CONCORD_PORT_BASE: '23000',
  CONCORD_STATE_DIR: state,
  CONCORD_PG_MODE: 'external',
  CONCORD_REDIS_MODE: 'external',
  CONCORD_NAMESPACE: uniqueNamespace('m'),
  CONCORD_REPLICATION_MODE: 'mm2',
};
/** The stack `concord chaos` brings up for this configuration (chaosConfig: base + 2000). */
const chaosEnv = {
  ...env,
  CONCORD_STATE_DIR: join(state, 'chaos'),
  CONCORD_PORT_BASE: '25000',
  CONCORD_PG_MODE: 'private',
  CONCORD_REDIS_MODE: 'private',
};
const config = loadConfig({ overrides: env });
const t = topics(config);
const log = (line: string) => process.stdout.write(`[mm2 e2e] ${line}\n`);

/**
 * Fault kinds of the chaos run (see the chaos test below). In this order seed 5 schedules the
 * MirrorMaker crash first, while the run leaves time for its restart.
 */
const CHAOS_FAULTS = ['partition', 'mm2', 'latency', 'broker'];

/** `concord stack up --mm2` (port bases 23000/25000: below Linux's ephemeral range 32768–60999). */
function stackUp(upEnv: Record<string, string>): Promise<ConcordRun> {
  return runConcord(['stack', 'up', '--mm2'], { env: upEnv, timeoutMs: 240_000 });
}

interface LagSample {
  readonly t: number;
  readonly regions: readonly {
    readonly region: string;
    readonly lag: Readonly<Record<string, { p50: number; p99: number; n: number }>>;
  }[];
}

/**
 * Cross-region replication lag while every link is up: the medians of the demo's per-second
 * p50 and p99 (each over its last 5 s window, origin ≠ region), leaving out every window that
 * overlaps the partition or the catch-up after it.
 */
function steadyLag(report: {
  partition: { fromSec: number; toSec: number };
  convergedAfterHealSec: number;
  samples: readonly LagSample[];
}): { p50: number; p99: number; windows: number } {
  const quietUntil = report.partition.toSec + report.convergedAfterHealSec;
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (const s of report.samples) {
    if (s.t > report.partition.fromSec && s.t - 5 < quietUntil) continue;
    for (const r of s.regions) {
      for (const [origin, l] of Object.entries(r.lag)) {
        if (origin === r.region || l.n === 0) continue;
        p50s.push(l.p50);
        p99s.push(l.p99);
      }
    }
  }
  return { p50: median(p50s, 0), p99: median(p99s, 0), windows: p50s.length };
}

/** Records per topic partition (high − low watermark) on `region`'s own broker. */
async function recordCounts(region: RegionId, names: readonly string[]) {
  const admin = createKafka({
    clientId: 'mm2-e2e',
    brokers: config.byRegion[region]!.kafka.brokers,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const counts = new Map<string, number | undefined>();
    for (const name of names) {
      counts.set(
        name,
        existing.has(name)
          ? (await admin.fetchTopicOffsets(name)).reduce(
              (sum, p) => sum + Number(p.high) - Number(p.low),
              0,
            )
          : undefined,
      );
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** The offsets the mirror of `region` committed to Kafka, per topic (summed over partitions). */
async function mirrorCommits(region: RegionId, names: readonly string[]) {
  const admin = createKafka({
    clientId: 'mm2-e2e',
    brokers: config.byRegion[region]!.kafka.brokers,
  }).admin();
  await admin.connect();
  try {
    const groupId = `${config.namespace}.mirror.${region}`;
    const committed = await admin.fetchOffsets({ groupId, topics: [...names] });
    return new Map(
      committed.map((c) => [
        c.topic,
        c.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0),
      ]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Where the mirror of `region` read the events it applied: topic of the source → origin → count. */
async function appliedSources(region: RegionId) {
  const client = new pg.Client({ connectionString: config.byRegion[region]!.postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ origin: string; topic: string; n: number }>(
      `select origin, split_part(source, ':', 1) as topic, count(*)::int as n
         from projection.events group by 1, 2 order by 1, 2`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  const up = await stackUp(env);
  expect(up.code, up.stderr.slice(-3000)).toBe(0);
  log(`stack up --mm2 in ${((Date.now() - t0) / 1000).toFixed(1)} s (state ${state})`);
});

afterAll(async () => {
  // The chaos run purges its own stack; this only matters when it failed half-way.
  for (const e of [chaosEnv, env]) {
    const down = await runConcord(['stack', 'down', '--purge'], { env: e, timeoutMs: 120_000 });
    if (down.code !== 0) log(`stack down --purge failed: ${down.stderr.slice(-500)}`);
  }
  // Purge drops what stack.json names; drop the namespace's databases and keys in any case.
  await Promise.allSettled([dropDatabases(config), dropRedisKeys(config)]);
  rmSync(state, { recursive: true, force: true });
});

describe('MirrorMaker 2 mode (stack up --mm2)', () => {
  it('runs one MirrorMaker 2 per region, copying from every other region', async () => {
    const run = await runConcord(['stack', 'status', '--json'], { env, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as {
      running: boolean;
      replication: string;
      mirrorMakers: { target: string; sources: string[]; state: string }[];
    };
    expect(status.running).toBe(true);
    expect(status.replication).toBe('mm2');
    expect(status.mirrorMakers.map((m) => [m.target, [...m.sources].sort(), m.state])).toEqual(
      config.regions.map((r) => [r, config.regions.filter((o) => o !== r).sort(), 'running']),
    );
  });

  it('converges in the demo, every mirror reading the local MirrorMaker 2 copies', async () => {
    const out = mkdtempSync(join(state, 'demo-'));
    // Without the demo's writer crash: with it, us applied 4 events of origin eu read from
    // us's own events topic (CI of 2026-12-03) — not yet explained; see docs/replication-modes.md.
    const run = await runConcord(['demo', '--duration', '40', '--crash-at', '0', '--out', out], {
      env,
      timeoutMs: 300_000,
    });
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(
      /converged in \d+(\.\d+)? s after heal; \d+ streams identical in every region/,
    );
    const report = JSON.parse(readFileSync(join(out, 'demo-report.json'), 'utf8')) as {
      ok: boolean;
      isolated: string;
      partition: { fromSec: number; toSec: number };
      convergedAfterHealSec: number;
      verifiedAfterLastWriteSec: number;
      writes: { acked: number; failed: number };
      verify: { converged: boolean; differing: unknown[]; streams: number };
      check: { ok: boolean; counts: Record<string, number> };
      samples: LagSample[];
    };
    expect(report.ok).toBe(true);
    expect(report.verify).toMatchObject({ converged: true, differing: [] });
    expect(Object.values(report.check.counts).every((n) => n === 0)).toBe(true);
    expect(report.partition.toSec - report.partition.fromSec).toBeGreaterThanOrEqual(8);
    expect(report.writes.acked).toBeGreaterThan(500);
    const lag = steadyLag(report);
    log(
      `demo: ${report.writes.acked} writes acked, ${report.isolated} cut off ${(report.partition.toSec - report.partition.fromSec).toFixed(1)} s; ` +
        `converged ${report.convergedAfterHealSec.toFixed(1)} s after heal, verified ${report.verifiedAfterLastWriteSec.toFixed(1)} s after the last write; ` +
        `steady cross-region lag p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms (medians over ${lag.windows} windows)`,
    );
    // A figure to log: some windows lie outside the partition and the catch-up after it.
    expect(lag.windows).toBeGreaterThan(0);

    for (const region of config.regions) {
      const origins = config.regions.filter((o) => o !== region);
      const copies = origins.map((o) => t.mirroredEvents(o));
      // Each copy exists on the region's own broker and holds every record of its source.
      const held = await recordCounts(region, copies);
      for (const origin of origins) {
        const source = (await recordCounts(origin, [t.events(origin)])).get(t.events(origin));
        const copied = held.get(t.mirroredEvents(origin));
        expect(source, `${origin}'s events`).toBeGreaterThan(0);
        expect(copied, `${t.mirroredEvents(origin)} on ${region}`).toBeGreaterThanOrEqual(source!);
      }
      // The mirror's consumer group committed its positions on the copies…
      const commits = await mirrorCommits(region, [...copies, t.events(region)]);
      for (const copy of copies)
        expect(commits.get(copy), `${region} on ${copy}`).toBeGreaterThan(0);
      // …and applied every other region's events from them, none across the WAN.
      const sources = await appliedSources(region);
      for (const origin of origins) {
        const fromCopy = sources.find(
          (s) => s.origin === origin && s.topic === t.mirroredEvents(origin),
        );
        expect(fromCopy?.n, `${region} applied ${origin}'s events from the copy`).toBeGreaterThan(
          100,
        );
        const elsewhere = sources.filter(
          (s) =>
            s.origin === origin &&
            s.topic !== t.mirroredEvents(origin) &&
            s.topic !== t.repair(region),
        );
        expect(
          elsewhere,
          `${region} read ${origin}'s events only from the copy (or a repair)`,
        ).toEqual([]);
      }
      log(
        `${region}: ${sources.map((s) => `${s.n} events of ${s.origin} from ${s.topic}`).join(', ')}; ` +
          `mirror group offsets ${[...commits].map(([k, v]) => `${k}=${v}`).join(', ')}`,
      );
    }
  });

  /**
   * Anti-entropy in mm2 mode (issue 11 item 6): offsets are not comparable across regions, so
   * every event one region lacks is `unknown` to the reconcilers. With 5 s added on every link
   * into and out of ap for 60 s of writes everywhere, each event spends longer than one
   * comparison interval in flight; none may be confirmed divergent.
   */
  it('raises no divergence with 5 s of added latency for 60 s under load', async () => {
    const run = await runConcord(['run', '--detach'], { env, timeoutMs: 240_000 });
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const tokens = readLocalTokens(config)!;
    const auth = { authorization: `Bearer ${tokens.apiToken}` };
    const admin = { authorization: `Bearer ${tokens.adminToken}` };
    try {
      for (const other of ['us', 'eu']) {
        const lat = await runConcord(['stack', 'latency', other, 'ap', '5000ms'], { env });
        expect(lat.code, lat.stderr).toBe(0);
      }
      const started = Date.now();
      let stop = false;
      let acked = 0;
      const samples: { region: string; divergent: readonly string[]; at: string }[] = [];
      const writers = config.regions.map(async (region, i) => {
        for (let n = 0; !stop; n++) {
          const r = await fetch(
            `${config.byRegion[region]!.writer.url}/v1/streams/lat-${(n + i) % 20}/events`,
            {
              method: 'POST',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ type: 'Set', data: { [region]: n } }),
            },
          ).catch(() => undefined);
          if (r?.status === 201) acked++;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      });
      const sampler = (async () => {
        while (!stop) {
          for (const region of config.regions) {
            const r = await fetch(`${config.byRegion[region]!.reconciler.url}/v1/convergence`, {
              headers: admin,
            }).catch(() => undefined);
            if (r?.status === 200) {
              const c = (await r.json()) as { divergentStreams: string[]; comparedAt: string };
              samples.push({ region, divergent: c.divergentStreams, at: c.comparedAt });
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      stop = true;
      await Promise.all([...writers, sampler]);
      const comparisons = new Set(samples.map((s) => `${s.region}@${s.at}`)).size;
      log(
        `latency 5 s into and out of ap for ${((Date.now() - started) / 1000).toFixed(0)} s: ${acked} writes acked, ` +
          `${comparisons} comparisons sampled, divergent in ${samples.filter((s) => s.divergent.length > 0).length}`,
      );
      expect(acked).toBeGreaterThan(0);
      // Every reconciler compared several times over the run (interval 5 s).
      for (const region of config.regions)
        expect(
          new Set(samples.filter((s) => s.region === region).map((s) => s.at)).size,
        ).toBeGreaterThanOrEqual(3);
      expect(samples.filter((s) => s.divergent.length > 0)).toEqual([]);
      // Healed: every region converges.
      expect((await runConcord(['stack', 'heal'], { env })).code).toBe(0);
      const verify = await runConcord(['verify', '--wait', '60'], { env, timeoutMs: 120_000 });
      expect(verify.code, verify.stdout.slice(-2000)).toBe(0);
    } finally {
      await runConcord(['stack', 'heal'], { env });
      const stopped = await runConcord(['stop'], { env, timeoutMs: 120_000 });
      if (stopped.code !== 0) log(`concord stop failed: ${stopped.stderr.slice(-500)}`);
    }
  });

  /**
   * Faults on the replication path only: WAN cuts (MirrorMaker's sources go through the link
   * proxies), latency and bandwidth limits on the links it pulls through, a broker crash (the
   * target of one MirrorMaker, holding its offsets, and the source of two others) and a
   * MirrorMaker crash. Killing or pausing a mirror, Redis, Postgres and skewed clocks exercise
   * the same code in both modes and are covered by the direct-mode chaos test
   * (test/e2e/chaos.e2e.spec.ts); in a 60 s run every slot they took would be one fault less
   * on MirrorMaker.
   */
  it('keeps every promise through 60 s of faults, MirrorMaker 2 recovering from each', async () => {
    const out = mkdtempSync(join(state, 'chaos-'));
    const t0 = Date.now();
    // The demo's stack is done with (afterAll purges it): two cores are better spent on chaos.
    const down = await runConcord(['stack', 'down'], { env, timeoutMs: 120_000 });
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    // Brought up first, with retries: see stackUp. The chaos run finds it up and uses it.
    const up = await stackUp(chaosEnv);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    const run = await runConcord(
      [
        'chaos',
        '--duration',
        '60',
        '--rate',
        '50',
        '--seed',
        '5',
        '--faults',
        CHAOS_FAULTS.join(','),
        '--out',
        out,
      ],
      { env, timeoutMs: 420_000 },
    );
    const report = JSON.parse(readFileSync(join(out, 'chaos-report.json'), 'utf8')) as {
      ok: boolean;
      plan: { action: { kind: string } }[];
      nemesis: { phase: string; text: string }[];
      drain: { converged: boolean; elapsedMs: number };
      check: {
        counts: Record<string, number>;
        stats: { acked: number; failed: number; convergedStreams: number; streams: number };
      };
      copies?: {
        complete: boolean;
        flows: { origin: string; target: string; source: object; copied: object }[];
      };
    };
    expect(report.check.counts, run.stderr.slice(-3000)).toEqual(
      Object.fromEntries(Object.keys(report.check.counts).map((k) => [k, 0])),
    );
    expect(report.drain.converged).toBe(true);
    expect(report.copies?.complete, run.stderr.slice(-2000)).toBe(true);
    expect(report.copies?.flows.length).toBe(config.regions.length * (config.regions.length - 1));
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.nemesis.filter((e) => e.phase === 'error')).toEqual([]);
    const injected = report.nemesis.filter((e) => e.phase === 'inject').map((e) => e.text);
    expect(injected.some((text) => text.startsWith('SIGKILL MirrorMaker 2 into'))).toBe(true);
    expect(report.check.stats.acked).toBeGreaterThan(1000);
    expect(report.check.stats.convergedStreams).toBe(report.check.stats.streams);
    const sum = (r: object) =>
      Object.values(r as Record<string, number>).reduce((a, b) => a + b, 0);
    log(
      `chaos (seed 5, ${CHAOS_FAULTS.join(',')}): ${injected.join('; ')}; ` +
        `${report.check.stats.acked} acked, ${report.check.stats.failed} failed; drain converged after ${(report.drain.elapsedMs / 1000).toFixed(1)} s; ` +
        `copies ${report.copies!.flows.map((f) => `${f.origin}->${f.target} ${sum(f.copied)}/${sum(f.source)}`).join(', ')}; ` +
        `anomalies 0; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`,
    );
  });
});
