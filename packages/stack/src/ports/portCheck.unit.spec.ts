import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import { freePort } from '@concord/test-support';
import { assertPortsFree, findListener, isPortFree } from './portCheck.js';

let server: Server;
let taken: number;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  taken = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('port checks', () => {
  it('tells free from taken ports', async () => {
    expect(await isPortFree(taken)).toBe(false);
    const free = await freePort();
    expect(await isPortFree(free)).toBe(true);
  });

  it('finds who listens (this very process)', () => {
    expect(findListener(taken)?.pid).toBe(process.pid);
  });

  it('fails with PORT_IN_USE naming the port, its use and its holder', async () => {
    let error: unknown;
    try {
      await assertPortsFree([{ port: taken, owner: 'kafka us' }]);
    } catch (e) {
      error = e;
    }
    expect(isConcordError(error, 'PORT_IN_USE')).toBe(true);
    expect((error as Error).message).toContain(
      `port ${taken} (kafka us) is in use by pid ${process.pid}`,
    );
    await expect(assertPortsFree([])).resolves.toBeUndefined();
  });
});
