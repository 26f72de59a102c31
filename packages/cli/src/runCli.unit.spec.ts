import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import type { CliContext } from './CliContext.js';
import { runCli } from './runCli.js';

/** A context over a fixed environment, capturing output. */
function context(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    interactive: false,
    config: (overrides) => loadConfig({ env, overrides: overrides ?? {} }),
  };
  return { ctx, out, err };
}

const argv = (...args: string[]) => ['node', 'concord', ...args];

describe('runCli', () => {
  it('turns a bad configuration into one error line naming the field, exit 3', async () => {
    const { ctx, err } = context({ CONCORD_REGION: 'xx' });
    expect(await runCli(argv('stack', 'status'), ctx)).toBe(3);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^error CONFIG_INVALID: invalid configuration: CONCORD_REGION: unknown region "xx"/,
    );
  });

  it('rejects a malformed --regions flag with the field named', async () => {
    const { ctx, err } = context({});
    expect(await runCli(argv('stack', 'up', '--regions', 'us,US'), ctx)).toBe(3);
    expect(err[0]).toContain('CONCORD_REGIONS');
  });

  it('reports usage errors in the same one-line form, exit 2', async () => {
    const { ctx, err } = context({});
    expect(await runCli(argv('stack', 'up', '--bogus'), ctx)).toBe(2);
    expect(err).toEqual(["error VALIDATION_FAILED: unknown option '--bogus'"]);
  });

  it('prints help and version with exit 0', async () => {
    const { ctx, out } = context({});
    expect(await runCli(argv('--version'), ctx)).toBe(0);
    expect(out.join('')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await runCli(argv('stack', '--help'), ctx)).toBe(0);
    expect(out.join('')).toContain('partition');
  });
});
