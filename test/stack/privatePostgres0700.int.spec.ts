import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { ensurePrivatePostgres, stackDown, stackPaths, stopPrivatePostgres } from '@concord/stack';

/**
 * Run as root from a folder the postgres user cannot enter (a 0700 checkout, as CI runs): the
 * private cluster must still start (docs/local-stack.md, State folder) and `stack down --purge`
 * must remove its files wherever they live. Port base 28000, private to this file.
 */
const root = mkdtempSync(join(tmpdir(), 'concord-0700-'));
chmodSync(root, 0o700);
const config = loadConfig({
  overrides: {
    CONCORD_STATE_DIR: join(root, 'state'),
    CONCORD_PORT_BASE: '28000',
    CONCORD_NAMESPACE: 'pg0700',
    CONCORD_PG_MODE: 'private',
  },
});

afterAll(async () => {
  await stopPrivatePostgres(config).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(process.getuid?.() !== 0)('private Postgres from a 0700 folder, as root', () => {
  it('starts outside the unreachable state folder and is purged with the stack', async () => {
    const files = stackPaths(config).postgres;
    expect(files.dataDir.startsWith(root)).toBe(false);
    expect(await ensurePrivatePostgres(config)).toBe('started');
    expect(existsSync(join(files.dataDir, 'PG_VERSION'))).toBe(true);
    await stackDown(config, { purge: true });
    expect(existsSync(files.dir)).toBe(false);
  });
});
