import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRoute, loadConfig, topics, type ConcordConfig } from '@concord/config';
import { createKafka, mapKafkaError, type CreateKafkaOptions } from '@concord/kafka';
import { ensureLocalTokens, runServices, type Supervisor } from '@concord/runner';
import {
  readStackEndpoints,
  StackController,
  stackPaths,
  withStackEndpoints,
  type ProgressEvent,
} from '@concord/stack';
import { uniqueNamespace, waitFor } from '@concord/test-support';

/**
 * The secure replication channel on real brokers: a plaintext stack brought up again with
 * `--secure` (certificates issued, SCRAM users added to the already formatted brokers with
 * ConfigCommand), then the cross-region listener seen from outside — refused without
 * credentials or with wrong ones, read-only with the right ones — and the whole replication
 * path writer us → Kafka us → link us->eu (SASL_SSL) → mirror eu, with services started by
 * the runner. Its own stack instance (port base 27000, two regions, a temporary state folder).
 */
let config: ConcordConfig;
let stack: StackController;
let stateDir: string;
let services: Supervisor | undefined;
const progress: ProgressEvent[] = [];

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'concord-secure-'));
  config = loadConfig({
    overrides: {
      CONCORD_PORT_BASE: '27000',
      CONCORD_STATE_DIR: stateDir,
      CONCORD_REGIONS: 'us,eu',
      CONCORD_NAMESPACE: uniqueNamespace('sec'),
      CONCORD_PG_MODE: 'external',
      CONCORD_REDIS_MODE: 'external',
    },
  });
  stack = new StackController(config);
});

afterAll(async () => {
  await services?.stop();
  await stack.down({ purge: true });
  rmSync(stateDir, { recursive: true, force: true });
});

/** An admin client of eu's side of the link us->eu (us's PEER_EU listener through the proxy). */
function overTheLink(extra: Partial<CreateKafkaOptions>, host = '127.0.0.1') {
  const bootstrap = kafkaRoute(config, 'us', 'eu')[0]!.replace('127.0.0.1', host);
  return createKafka({
    clientId: 'secure-test',
    brokers: [bootstrap],
    connectionTimeoutMs: 2000,
    requestTimeoutMs: 3000,
    retry: { retries: 0 },
    ...extra,
  }).admin();
}

/** What a call on the cross-region listener ends with: 'ok', or the mapped error code. */
async function outcome(
  admin: ReturnType<typeof overTheLink>,
  call: (a: ReturnType<typeof overTheLink>) => Promise<unknown>,
): Promise<string> {
  try {
    await admin.connect();
    await call(admin);
    return 'ok';
  } catch (error) {
    const mapped = mapKafkaError(error);
    const cause = (error as Error).message ?? '';
    return mapped.code === 'BUS_UNAVAILABLE' ? `unavailable: ${cause}` : mapped.code;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('stack up --secure', () => {
  it('turns a running plaintext stack secure: certificates, SCRAM users, SASL_SSL cross-region listeners', async () => {
    await stack.up();
    expect(await outcome(overTheLink({}), (a) => a.listTopics())).toBe('ok');

    const t0 = Date.now();
    const result = await stack.up({ secure: true, progress: (e) => progress.push(e) });
    progress.push({ part: 'test', message: `secure up took ${Date.now() - t0} ms` });
    expect(result.modes).toEqual({ replication: 'direct', secure: true });
    // Both brokers were formatted before: they got their users through ConfigCommand.
    expect(result.started).toEqual(expect.arrayContaining(['kafka us', 'kafka eu']));
    expect(
      progress.filter((e) => e.part === 'security' && /ConfigCommand/.test(e.message)),
    ).toHaveLength(2);

    const sec = stackPaths(config).security;
    expect(mode(sec.dir)).toBe(0o700);
    for (const file of [sec.caKey, sec.broker('us').key, sec.broker('us').keystore]) {
      expect(mode(file)).toBe(0o600);
    }
    for (const r of ['us', 'eu']) expect(mode(sec.password(r))).toBe(0o600);
    const ca = new X509Certificate(readFileSync(sec.caCert));
    const cert = new X509Certificate(readFileSync(sec.broker('us').cert));
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:kafka-us, DNS:localhost, IP Address:127.0.0.1');

    const endpoints = readStackEndpoints(config)!;
    expect(endpoints.security).toMatchObject({
      protocol: 'sasl_ssl',
      mechanism: 'SCRAM-SHA-512',
      caFile: sec.caCert,
      users: { eu: { username: 'region-eu', passwordFile: sec.password('eu') } },
    });
    const status = await stack.status();
    expect(status).toMatchObject({ running: true, security: 'sasl_ssl', replication: 'direct' });
  });

  it('refuses clients without credentials or with wrong ones on the cross-region listener; the right ones may only read', async () => {
    const sec = stackPaths(config).security;
    const ca = readFileSync(sec.caCert, 'utf8');
    const password = readFileSync(sec.password('eu'), 'utf8').trim();
    const as = (username: string, pw: string) => ({
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512' as const, username, password: pw },
    });
    const list = (a: ReturnType<typeof overTheLink>) => a.listTopics();

    expect(await outcome(overTheLink({}), list)).toMatch(/^unavailable: .*[Cc]losed connection/);
    expect(await outcome(overTheLink({ ssl: { ca: [ca] } }), list)).toMatch(/^unavailable/);
    expect(await outcome(overTheLink(as('region-eu', 'not-the-password')), list)).toBe(
      'UNAUTHORIZED',
    );
    expect(await outcome(overTheLink(as('nobody', password)), list)).toBe('UNAUTHORIZED');
    // A certificate from another CA is not trusted (Node's built-in CAs do not know ours).
    expect(
      await outcome(overTheLink({ ssl: true, sasl: as('region-eu', password).sasl }), list),
    ).toMatch(/^unavailable: .*certificate/);

    // Hostname verification through the proxy: 127.0.0.1 (advertised) and localhost are named.
    expect(await outcome(overTheLink(as('region-eu', password)), list)).toBe('ok');
    expect(await outcome(overTheLink(as('region-eu', password), 'localhost'), list)).toBe('ok');
    const events = topics(config).events('us');
    expect(
      await outcome(overTheLink(as('region-eu', password)), (a) => a.fetchTopicOffsets(events)),
    ).toBe('ok');
    // Read-only: no delete, no create (ACLs of the StandardAuthorizer)…
    expect(
      await outcome(overTheLink(as('region-eu', password)), (a) =>
        a.deleteTopics({ topics: [events], timeout: 3000 }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await outcome(overTheLink(as('region-eu', password)), (a) =>
        a.createTopics({ topics: [{ topic: `${config.namespace}.intruder` }] }),
      ),
    ).not.toBe('ok');
    // …and no produce into another region's log of record.
    const producer = createKafka({
      clientId: 'secure-test-producer',
      brokers: kafkaRoute(config, 'us', 'eu'),
      retry: { retries: 0 },
      ...as('region-eu', password),
    }).producer();
    await producer.connect();
    const produced = await producer
      .send({ topic: events, messages: [{ value: 'forged' }] })
      .then(() => 'ok')
      .catch((error: unknown) => mapKafkaError(error).code);
    await producer.disconnect();
    expect(produced).toBe('FORBIDDEN');
    // In-region clients keep the PLAINTEXT LOCAL listener.
    expect(
      await outcome(
        createKafka({ clientId: 'local', brokers: config.byRegion.us!.kafka.brokers }).admin(),
        list,
      ),
    ).toBe('ok');
  });

  it('replicates writer us → Kafka us → link us->eu (SASL_SSL) → mirror eu, with services run by the runner', async () => {
    const effective = withStackEndpoints(config, readStackEndpoints(config)!);
    // runServices brings the stack up again without flags: it must stay secure.
    services = await runServices(effective, { kinds: ['writer', 'mirror'] });
    expect(readStackEndpoints(config)?.security?.protocol).toBe('sasl_ssl');
    const tokens = ensureLocalTokens(effective);
    const stream = `profile-secure-${Date.now()}`;
    const us = effective.byRegion.us!.writer.url;
    const eu = effective.byRegion.eu!.writer.url;
    const headers = {
      authorization: `Bearer ${tokens.apiToken}`,
      'content-type': 'application/json',
    };
    const res = await fetch(`${us}/v1/streams/${stream}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'ProfileUpdated', data: { name: 'Ada' } }),
    });
    const body = (await res.json()) as { event: { id: string } };
    expect(res.status, JSON.stringify(body)).toBe(201);
    const { event } = body;

    const seen = await waitFor(
      async () => {
        const r = await fetch(`${eu}/v1/streams/${stream}`, { headers });
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { state: { name?: string }; heads: string[] };
        return body.heads.includes(event.id) ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: `eu applies ${event.id}` },
    );
    expect(seen.state.name).toBe('Ada');
    // eu's mirror read it across the link (the only way from us's broker to eu).
    const link = (await stack.links.status()).find((l) => l.from === 'us' && l.to === 'eu');
    expect(link?.connections).toBeGreaterThan(0);

    // The password is in no log of the stack or the services.
    const password = readFileSync(stackPaths(config).security.password('eu'), 'utf8').trim();
    const logs = [
      join(stateDir, 'logs'),
      join(stateDir, 'kafka', 'us', 'logs'),
      join(stateDir, 'kafka', 'eu', 'logs'),
    ];
    for (const dir of logs.filter((d) => existsSync(d))) {
      for (const file of readdirSync(dir)) {
        expect(readFileSync(join(dir, file), 'utf8').includes(password), file).toBe(false);
      }
    }
  });
});

// Keeps the measured secure `up` visible in the test output.
afterAll(() => {
  const line = progress.find((e) => e.part === 'test');
  if (line) process.stderr.write(`[secure] ${line.message}\n`);
});
