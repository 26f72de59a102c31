import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@concord/test-support';
import { HEALTHY_LINK } from './linkSettings.js';
import { LinkProxy } from './LinkProxy.js';

/** The link proxy against a local echo server: forwarding, latency, jitter, bandwidth, cut. */
let echo: Server;
let echoPort: number;
let proxy: LinkProxy;
const sockets: Socket[] = [];

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.link.proxyPort, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
    sockets.push(s);
  });
}

/** Resolves with everything echoed once `bytes` bytes came back. */
function readBytes(s: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n >= bytes) {
        s.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    s.on('data', onData);
  });
}

async function roundTrip(s: Socket, payload = 'ping'): Promise<number> {
  const t0 = performance.now();
  const back = readBytes(s, payload.length);
  s.write(payload);
  expect((await back).toString()).toBe(payload);
  return performance.now() - t0;
}

beforeAll(async () => {
  echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
  proxy = new LinkProxy({
    from: 'us',
    to: 'eu',
    proxyPort: await freePort(),
    upstreamPort: echoPort,
  });
  await proxy.listen();
});

afterEach(() => {
  proxy.update(HEALTHY_LINK);
  for (const s of sockets.splice(0)) s.destroy();
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => echo.close(() => r()));
});

describe('LinkProxy', () => {
  it('forwards bytes both ways and counts them', async () => {
    const s = await open();
    await roundTrip(s, 'hello');
    const st = proxy.status();
    expect(st.connections).toBe(1);
    expect(st.bytesToBroker).toBeGreaterThanOrEqual(5);
    expect(st.bytesToClient).toBeGreaterThanOrEqual(5);
  });

  it('adds the one-way latency to each direction, on an existing connection too', async () => {
    const s = await open();
    const base = await roundTrip(s);
    proxy.update({ latencyMs: 100 });
    const slow = await roundTrip(s);
    expect(slow - base).toBeGreaterThanOrEqual(195);
    proxy.update({ latencyMs: 0 });
    expect(await roundTrip(s)).toBeLessThan(50);
  });

  it('never reorders bytes under jitter, nor when the latency drops mid-stream', async () => {
    const s = await open();
    proxy.update({ latencyMs: 20, jitterMs: 20 });
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) sent.push(`<${i}>`);
    const expected = sent.join('');
    const back = readBytes(s, expected.length + 2);
    for (const piece of sent) {
      s.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    s.write('<a');
    proxy.update({ latencyMs: 0, jitterMs: 0 });
    s.write('>');
    expect((await back).toString()).toBe(expected + '<a>');
  });

  it('limits each direction to the configured rate (token bucket)', async () => {
    const s = await open();
    proxy.update({ bandwidthBitsPerSecond: 160_000 }); // 20 000 bytes/s
    const payload = Buffer.alloc(40_000, 7);
    const t0 = performance.now();
    const back = readBytes(s, payload.length);
    s.write(payload);
    expect((await back).equals(payload)).toBe(true);
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeGreaterThan(1.6);
    expect(seconds).toBeLessThan(4);
  });

  it('cut destroys live connections and blackholes new ones; heal closes the blackholed at once', async () => {
    const live = await open();
    await roundTrip(live);
    const liveClosed = new Promise<void>((r) => live.once('close', () => r()));
    proxy.update({ cut: true });
    await liveClosed;

    const held = await open();
    let answered = false;
    held.on('data', () => (answered = true));
    held.write('anyone?');
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    expect(proxy.status()).toMatchObject({ cut: true, connections: 0, blackholed: 1 });

    const heldClosed = new Promise<number>((r) => {
      const t0 = performance.now();
      held.once('close', () => r(performance.now() - t0));
    });
    proxy.update({ cut: false });
    expect(await heldClosed).toBeLessThan(200);
    expect(answered).toBe(false);

    const fresh = await open();
    await roundTrip(fresh, 'back');
  });

  it('drops the client when the upstream is unreachable', async () => {
    const dead = new LinkProxy({
      from: 'eu',
      to: 'us',
      proxyPort: await freePort(),
      upstreamPort: await freePort(),
    });
    await dead.listen();
    try {
      const s = connect(dead.link.proxyPort, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => undefined);
      await new Promise<void>((r) => s.once('close', () => r()));
      expect(dead.status().connections).toBe(0);
    } finally {
      await dead.close();
    }
  });
});
