import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { runningParts, stackDown, stackUp } from '@concord/stack';

/**
 * A `stack up` that fails part-way stops what it had started (issue 11 item 6): here every
 * broker is spawned but none can be ready in 1 ms, while the link daemon and the private Redis
 * servers start beside them. Port base 31000, private to this file.
 */
const root = mkdtempSync(join(tmpdir(), 'concord-failed-start-'));
const config = loadConfig({
  overrides: {
    CONCORD_STATE_DIR: join(root, 'state'),
    CONCORD_PORT_BASE: '31000',
    CONCORD_NAMESPACE: 'failedstart',
    CONCORD_REDIS_MODE: 'private',
  },
});

afterAll(async () => {
  await stackDown(config, { purge: true }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe('a failed stack start', () => {
  it('stops every process it started, by PID, and says so', async () => {
    const seen: string[] = [];
    const error = await stackUp(config, {
      readyTimeoutMs: 1,
      progress: (p) => seen.push(`${p.part}: ${p.message}`),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/stopped what this start had started: .*kafka us \(pid \d+\)/);
    for (const part of ['kafka us', 'kafka eu', 'kafka ap', 'links', 'redis us'])
      expect(error!.message).toContain(`${part} (pid`);
    expect(seen.filter((l) => l.includes('the start failed')).length).toBeGreaterThanOrEqual(5);
    // Nothing of this stack runs any more.
    expect([...runningParts(config)]).toEqual([]);
  });
});
