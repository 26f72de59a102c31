import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The built CLI as a process: bad configuration and missing prerequisites fail at start-up
 * with one line naming the field or the missing piece, exit code ≠ 0, and nothing started.
 */
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'packages/cli/dist/bin.js');
const stateDir = mkdtempSync(join(tmpdir(), 'concord-cli-'));

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Runs `concord …` with a clean CONCORD_* environment plus `env`, on a stack nobody runs. */
function concord(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CONCORD_')),
  );
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...base, CONCORD_PORT_BASE: '29500', CONCORD_STATE_DIR: stateDir, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe('concord stack up refuses bad configuration', () => {
  it.each([
    ['an unknown region', { CONCORD_REGION: 'xx' }, 'CONCORD_REGION'],
    ['a malformed port base', { CONCORD_PORT_BASE: 'abc' }, 'CONCORD_PORT_BASE'],
    ['a duplicate port', { CONCORD_US_WRITER_PORT: '29680' }, 'CONCORD_'],
    ['a malformed region list', { CONCORD_REGIONS: 'us,EU' }, 'CONCORD_REGIONS'],
    ['a typo in a setting name', { CONCORD_PARTITIONS: '3' }, 'CONCORD_PARTITIONS'],
  ])('%s', (_what, env, field) => {
    const r = concord(['stack', 'up'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error CONFIG_INVALID: /);
    expect(r.stderr).toContain(field);
  });

  it('names both owners of a duplicate port', () => {
    const r = concord(['stack', 'up'], { CONCORD_US_WRITER_PORT: '29680' });
    expect(r.stderr).toContain('CONCORD_US_WRITER_PORT');
    expect(r.stderr).toContain('29680');
  });
});

describe('concord stack up reports missing prerequisites in one line', () => {
  it('java missing from PATH', () => {
    const empty = mkdtempSync(join(tmpdir(), 'concord-nopath-'));
    const r = concord(['stack', 'up'], { PATH: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error PREREQUISITE_MISSING: java not found on PATH — install a JDK/);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it.each([
    [
      'Postgres',
      { CONCORD_PG_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
      /^error PREREQUISITE_MISSING: no Postgres reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres and initdb\/pg_ctl not found on PATH — start Postgres/,
    ],
    [
      'Redis',
      { CONCORD_REDIS_URL: 'redis://127.0.0.1:1' },
      /^error PREREQUISITE_MISSING: no Redis reachable at redis:\/\/127\.0\.0\.1:1 and redis-server not found on PATH — start Redis/,
    ],
  ])('%s neither reachable nor installable', (_what, env, message) => {
    // A PATH with java (and mvn) but none of the Postgres/Redis binaries.
    const bin = mkdtempSync(join(tmpdir(), 'concord-path-'));
    for (const tool of ['java', 'mvn']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], {
        encoding: 'utf8',
      }).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const r = concord(['stack', 'up'], { PATH: bin, ...env });
    rmSync(bin, { recursive: true, force: true });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('a port held by someone else, before anything starts', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(29592, '127.0.0.1', done)); // kafka us at base 29500
    try {
      const r = concord(['stack', 'up']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^error PORT_IN_USE: port 29592 \(kafka us\) is in use by pid \d+/);
      // Nothing was started: no PID file anywhere in the state folder.
      const pidFiles = existsSync(join(stateDir, 'kafka'))
        ? readdirSync(join(stateDir, 'kafka'), { recursive: true }).filter((f) =>
            String(f).endsWith('.pid'),
          )
        : [];
      expect(pidFiles).toEqual([]);
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  });

  it('link commands without a running stack say so', () => {
    const r = concord(['stack', 'partition', 'us', 'eu']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error STACK_NOT_RUNNING: link daemon not reachable/);
  });

  it('usage errors are one line too', () => {
    const r = concord(['stack', 'latency', 'us', 'eu', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error VALIDATION_FAILED: delay: "fast" is not a duration like 80ms or 1.5s',
    );
    const u = concord(['stack', 'nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^error VALIDATION_FAILED: unknown command/);
  });
});
