import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkConfig } from '@concord/config';
import { freePort } from '@concord/test-support';
import { LinkControlClient } from './LinkControlClient.js';
import { LinkDaemon } from './LinkDaemon.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-linkd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LinkDaemon', () => {
  it('is driven through the control API and restores its link state after a restart', async () => {
    const links: LinkConfig[] = [
      { from: 'us', to: 'eu', proxyPort: await freePort(), upstreamPort: await freePort() },
      { from: 'eu', to: 'us', proxyPort: await freePort(), upstreamPort: await freePort() },
    ];
    const spec = { controlPort: await freePort(), links, stateFile: join(dir, 'state.json') };
    const client = new LinkControlClient({
      regions: ['us', 'eu'],
      links,
      linkControlPort: spec.controlPort,
    });

    const first = new LinkDaemon(spec);
    await first.start();
    expect(await client.isUp()).toBe(true);
    await client.partition('us', 'eu', { oneway: true });
    await client.latency('eu', 'us', 80, { jitterMs: 5, oneway: true });
    await expect(client.partition('us', 'mars')).rejects.toThrow(/unknown region "mars"/);
    await first.stop();
    expect(await client.isUp()).toBe(false);

    const second = new LinkDaemon(spec);
    await second.start();
    try {
      const status = await client.status();
      expect(status.map((l) => [`${l.from}->${l.to}`, l.cut, l.latencyMs, l.jitterMs])).toEqual([
        ['us->eu', true, 0, 0],
        ['eu->us', false, 80, 5],
      ]);
      const healed = await client.heal();
      expect(
        healed.every((l) => !l.cut && l.latencyMs === 0 && l.bandwidthBitsPerSecond === 0),
      ).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
