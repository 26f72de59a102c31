import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConcordClient, type ClientEvent } from '@concord/client';
import { loadConfig, type ConcordConfig } from '@concord/config';
import { ensureLocalTokens, runServices, type Supervisor } from '@concord/runner';
import { jsonClient, waitFor } from '@concord/test-support';

/**
 * `@concord/client` against the real deployment (services as processes on the local stack):
 * under load, the us writer is SIGKILLed, then us is fenced. The client's writes fail over to
 * eu, no acknowledged write is lost, every read with the session sees the session's writes,
 * and the client goes back home once us is healthy again.
 */
let config: ConcordConfig;
let supervisor: Supervisor;
let tokens: { apiToken: string; adminToken: string };
const events: ClientEvent[] = [];
let client: ConcordClient;

beforeAll(async () => {
  config = loadConfig();
  supervisor = await runServices(config, { readyTimeoutMs: 240_000 });
  tokens = ensureLocalTokens(config);
  client = new ConcordClient({
    regions: Object.fromEntries(config.regions.map((r) => [r, config.byRegion[r]!.writer.url])),
    home: 'us',
    failoverOrder: ['eu', 'ap'],
    token: tokens.apiToken,
    recoveryMs: 3_000,
    probeIntervalMs: 250,
    deadlineMs: 30_000,
    sessionWaitMs: 5_000,
    onEvent: (e) => events.push(e),
  });
});

afterAll(async () => {
  client?.close();
  await fence('DELETE').catch(() => undefined);
  await supervisor?.stop();
});

async function fence(method: 'POST' | 'DELETE') {
  const res = await jsonClient(config.byRegion['us']!.writer.url, tokens.adminToken).call(
    method,
    '/v1/admin/fence',
    method === 'POST' ? { reason: 'client e2e' } : undefined,
  );
  expect(res.status).toBe(200);
}

interface Acked {
  readonly id: string;
  readonly stream: string;
  readonly region: string;
  readonly at: number;
}

/** Sequential writers through one client (one session), each reading its writes back. */
async function load(tag: string, durationMs: number, during: () => Promise<void>) {
  const acked: Acked[] = [];
  const failed: unknown[] = [];
  let staleReads = 0;
  let reads = 0;
  const until = Date.now() + durationMs;
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < until; i++) {
      const stream = `client-${tag}-${w}-${i % 5}`;
      try {
        const r = await client.append(stream, {
          type: 'ProfileUpdated',
          data: { [`w${w}`]: i },
        });
        acked.push({ id: r.event.id, stream, region: r.region, at: Date.now() });
        if (i % 3 === 0) {
          const page = await client.events(stream, { limit: 1000 });
          reads += 1;
          if (!page.events.some((e) => e.id === r.event.id)) staleReads += 1;
        } else if (i % 3 === 1) {
          const many = await client.readMany([stream, `client-${tag}-never`]);
          reads += 1;
          if (!many.streams.some((v) => v.stream === stream)) staleReads += 1;
        }
      } catch (error) {
        failed.push(error);
      }
    }
  };
  const fault = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await during();
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  const since = Date.now();
  await Promise.all([0, 1, 2].map(worker));
  const timeline = events
    .filter((e) => e.at >= since)
    .map((e) =>
      e.type === 'failover'
        ? `+${e.at - since}ms ${e.from}->${e.to} (${e.reason})`
        : e.type === 'hedge'
          ? `+${e.at - since}ms hedge ${e.op} ${e.from}->${e.to}`
          : `+${e.at - since}ms retry ${e.op} ${e.region} ${e.code}`,
    );
  console.log(`[client e2e] ${tag} timeline:\n  ${timeline.join('\n  ')}`);
  const faultError = await fault;
  if (faultError) throw faultError;
  return { acked, failed, staleReads, reads };
}

/** Every acknowledged write is applied in every region (read region by region). */
async function assertNothingLost(acked: readonly Acked[]) {
  const streams = [...new Set(acked.map((a) => a.stream))];
  for (const region of config.regions) {
    const reader = new ConcordClient({
      regions: { [region]: config.byRegion[region]!.writer.url },
      home: region,
      token: tokens.apiToken,
    });
    try {
      await waitFor(
        async () => {
          const seen = new Set<string>();
          for (const s of streams) {
            const page = await reader.events(s, { limit: 1000 }).catch(() => undefined);
            for (const e of page?.events ?? []) seen.add(e.id);
          }
          return acked.every((a) => seen.has(a.id));
        },
        { timeoutMs: 120_000, message: `every acknowledged write applied in ${region}` },
      );
    } finally {
      reader.close();
    }
  }
}

/** The first failover at or after `at` (to `to`, when given). */
function failoverAfter(at: number, to?: string) {
  return events.find(
    (e): e is Extract<ClientEvent, { type: 'failover' }> =>
      e.type === 'failover' && e.at >= at && (to === undefined || e.to === to),
  );
}

beforeEach(async () => {
  await waitFor(() => client.region === 'us', { timeoutMs: 60_000, message: 'home in us' });
});

describe('@concord/client failover (real deployment)', () => {
  it('the us writer SIGKILLed under load: writes go on in eu, nothing lost, reads see them, then home again', async () => {
    let killedAt = 0;
    const run = await load('kill', 12_000, async () => {
      const pid = supervisor.pidOf('writer-us');
      expect(pid).toBeDefined();
      killedAt = Date.now();
      process.kill(pid!, 'SIGKILL'); // the supervisor restarts it
    });
    expect(run.failed).toEqual([]);
    expect(run.staleReads).toBe(0);
    expect(failoverAfter(killedAt)).toMatchObject({ from: 'us', reason: 'unreachable' });
    const firstAway = run.acked.find((a) => a.region !== 'us' && a.at >= killedAt);
    expect(firstAway).toBeDefined();
    console.log(
      `[client e2e] kill: ${run.acked.length} acked, first ack in ${firstAway!.region} ${firstAway!.at - killedAt} ms after the kill, ${run.reads} session reads, 0 stale`,
    );
    await waitFor(() => client.region === 'us', { timeoutMs: 60_000, message: 'back home in us' });
    expect(failoverAfter(killedAt, 'us')).toMatchObject({ from: 'eu', reason: 'recovered' });
    await assertNothingLost(run.acked);
  });

  it('us fenced under load: writes go on in eu; unfenced, the client comes back home', async () => {
    let fencedAt = 0;
    const run = await load('fence', 10_000, async () => {
      fencedAt = Date.now();
      await fence('POST');
    });
    expect(run.failed).toEqual([]);
    expect(run.staleReads).toBe(0);
    // The request that meets the fence or the probe that sees `writable: false`, whichever is first.
    expect(failoverAfter(fencedAt)).toMatchObject({ from: 'us' });
    expect(['fenced', 'probe']).toContain(failoverAfter(fencedAt)!.reason);
    const firstAway = run.acked.find((a) => a.region !== 'us' && a.at >= fencedAt);
    expect(firstAway).toBeDefined();
    console.log(
      `[client e2e] fence: ${run.acked.length} acked, first ack in ${firstAway!.region} ${firstAway!.at - fencedAt} ms after the fence`,
    );
    expect(client.region).not.toBe('us'); // a fenced home is not used again while fenced
    expect(run.acked.filter((a) => a.at >= fencedAt + 1_000).every((a) => a.region !== 'us')).toBe(
      true,
    );
    const healedAt = Date.now();
    await fence('DELETE');
    await waitFor(() => client.region === 'us', { timeoutMs: 60_000, message: 'back home in us' });
    expect(failoverAfter(healedAt, 'us')).toMatchObject({ reason: 'recovered' });
    const after = await client.append('client-fence-after', {
      type: 'ProfileUpdated',
      data: { ok: true },
    });
    expect(after.region).toBe('us');
    await assertNothingLost([
      ...run.acked,
      { id: after.event.id, stream: 'client-fence-after', region: 'us', at: Date.now() },
    ]);
  });
});
