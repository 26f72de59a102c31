import { readRegionKeys, type ConcordConfig } from '@concord/config';
import {
  formatSourcePosition,
  RegionKeyring,
  serializeEnvelope,
  sleep,
  verifyEnvelopes,
  type Envelope,
} from '@concord/core';
import { startMirror, ProjectionStore, type MirrorHandle } from '@concord/mirror';
import { createPool, createProjectionSchema, inTransaction } from '@concord/postgres';
import type { MirrorBenchOptions } from './mirrorBench.js';
import {
  APPLY_REGION,
  benchConfig,
  CONCURRENT_REGION,
  produceAll,
  setUp,
  tearDown,
} from './mirrorBenchSetup.js';
import { workload } from './mirrorBenchWorkload.js';

export interface ApplyRun {
  readonly events: number;
  readonly concurrentEvents: number;
  /** Events per second applied by the mirror, steady state (first transaction excluded). */
  readonly eventsPerSecond: number;
  readonly transactions: number;
  readonly avgTransactionEvents: number;
  readonly slowPathStreams: number;
  readonly conflictsDetected: number;
  /** The same rows inserted into the same table shape, same batch size, one statement per batch. */
  readonly rawInsert: { readonly eventsPerSecond: number; readonly batchSize: number };
  /** eventsPerSecond / rawInsert.eventsPerSecond (target ≥ 0.5). */
  readonly ratio: number;
  /**
   * The least any correct mirror does: verify each batch's signatures (`verifyEnvelopes`, both
   * cores), then the same raw insert. A second, same-run baseline.
   */
  readonly verifyThenInsert: { readonly eventsPerSecond: number };
  /** eventsPerSecond / verifyThenInsert.eventsPerSecond. */
  readonly ratioToVerifyThenInsert: number;
}

/**
 * The same rows as the mirror wrote, into a fresh schema of the same shape, batch by batch
 * (one statement, one transaction per batch); with `verify`, each batch's signatures are
 * verified first (`verifyEnvelopes`).
 */
async function rawInsert(
  config: ConcordConfig,
  events: readonly Envelope[],
  batchSize: number,
  verify: boolean,
): Promise<number> {
  const pool = createPool(config.byRegion[APPLY_REGION]!.postgres.url, { max: 1 });
  const schema = verify ? 'bench_verify_raw' : 'bench_raw';
  const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);
  try {
    await inTransaction(pool, (c) => createProjectionSchema(c, schema));
    const rows = events.map((e, i) => ({
      envelope: e,
      text: serializeEnvelope(e),
      position: i,
      noop: false,
      source: formatSourcePosition({ topic: 'bench', partition: 0, offset: BigInt(i) }),
    }));
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      if (verify) {
        const results = await verifyEnvelopes(
          batch.map((r) => r.envelope),
          keyring,
        );
        if (results.some((r) => !r.ok)) throw new Error('bench envelope did not verify');
      }
      await inTransaction(pool, (c) => new ProjectionStore(c, schema).insertEvents(batch));
    }
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

export async function applyRun(concurrent: number, options: MirrorBenchOptions): Promise<ApplyRun> {
  const config = benchConfig();
  const log = options.progress ?? (() => undefined);
  await setUp(config);
  let mirror: MirrorHandle | undefined;
  try {
    const events = workload(config, options.events ?? 40_000, options.streams ?? 2000, concurrent);
    log(
      `apply ${concurrent ? '10% concurrent' : 'no conflicts'}: pre-filling ${events.length} events`,
    );
    await produceAll(config, events);
    mirror = await startMirror(config, { region: APPLY_REGION, port: 0, host: '127.0.0.1' });
    const m = mirror;
    const deadline = Date.now() + 600_000;
    while (m.stats().applied < events.length) {
      if (Date.now() > deadline)
        throw new Error(`mirror applied ${m.stats().applied} of ${events.length}`);
      await sleep(50);
    }
    const stats = m.stats();
    const seconds = (stats.lastCommitAt! - stats.firstCommitAt!) / 1000;
    const eventsPerSecond = (stats.applied - stats.firstCommitApplied) / seconds;
    const metrics = await fetch(`${m.url}/metrics`).then((r) => r.text());
    const sample = (name: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(name))
          ?.split(' ')
          .at(-1) ?? 0,
      );
    await mirror.close();
    mirror = undefined;
    const batchSize = Math.max(1, Math.round(stats.applied / stats.transactions));
    log(`apply: ${eventsPerSecond.toFixed(0)} events/s; raw insert with batches of ${batchSize}`);
    const raw = await rawInsert(config, events, batchSize, false);
    const verified = await rawInsert(config, events, batchSize, true);
    log(
      `raw insert: ${raw.toFixed(0)} events/s; verify then insert: ${verified.toFixed(0)} events/s`,
    );
    return {
      events: events.length,
      concurrentEvents: events.filter((e) => e.origin === CONCURRENT_REGION).length,
      eventsPerSecond: Math.round(eventsPerSecond),
      transactions: stats.transactions,
      avgTransactionEvents: batchSize,
      slowPathStreams: sample('concord_mirror_slow_path_streams_total'),
      conflictsDetected: sample('concord_conflicts_detected_total'),
      rawInsert: { eventsPerSecond: Math.round(raw), batchSize },
      ratio: Math.round((eventsPerSecond / raw) * 100) / 100,
      verifyThenInsert: { eventsPerSecond: Math.round(verified) },
      ratioToVerifyThenInsert: Math.round((eventsPerSecond / verified) * 100) / 100,
    };
  } finally {
    await mirror?.close();
    await tearDown(config);
  }
}
