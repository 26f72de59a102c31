import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WriterClient } from '@concord/chaos';
import { loadConfig } from '@concord/config';
import { readLocalTokens } from '@concord/runner';
import { listKeys } from '@concord/stack';
import { runConcord } from '@concord/test-support';

/**
 * The runbook drill: every `concord` command the runbooks name, run as an operator would, on a
 * deployment of its own (own state folder, ports, namespace and keys) — a partition with writes
 * on both sides, diagnosis, quarantine, heal, verification, a replay, a key rotation.
 */
const state = mkdtempSync(join(tmpdir(), 'drill-'));
const env = { CONCORD_STATE_DIR: state, CONCORD_PORT_BASE: '26000', CONCORD_NAMESPACE: 'drill' };
const config = loadConfig({ overrides: env });
const concord = async (...args: string[]) => {
  const run = await runConcord(args, { env, timeoutMs: 300_000 });
  return { ...run, ok: run.code === 0 };
};
const must = async (...args: string[]) => {
  const run = await concord(...args);
  expect(run.code, `concord ${args.join(' ')}\n${run.stderr.slice(-2000)}`).toBe(0);
  return run;
};

function clients() {
  const tokens = readLocalTokens(config)!;
  return Object.fromEntries(
    config.regions.map((r) => [
      r,
      new WriterClient(r, config.byRegion[r]!.writer.url, tokens.apiToken),
    ]),
  );
}

async function writeEverywhere(tag: string, n: number): Promise<void> {
  const c = clients();
  for (let i = 0; i < n; i++) {
    for (const r of config.regions) {
      const outcome = await c[r]!.append(`profile-drill-${i % 5}`, {
        type: 'ProfileUpdated',
        data: { [r]: `${tag}-${i}` },
      });
      expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    }
  }
}

afterAll(async () => {
  await concord('stop');
  await concord('stack', 'down', '--purge');
});

describe('runbook drill', () => {
  it('split-brain writes: diagnose, fence, heal, verify, unfence', async () => {
    await must('run', '--detach');
    await writeEverywhere('before', 10);
    await must('stack', 'partition', 'ap', 'us');
    await must('stack', 'partition', 'ap', 'eu');
    await writeEverywhere('split', 10);

    expect((await must('status')).stdout).toContain('ap');
    const status = JSON.parse((await must('status', '--json')).stdout) as unknown;
    expect(status).toBeTruthy();
    await must('conflicts', 'list', '--region', 'us');
    expect((await must('stack', 'status')).stdout).toMatch(/CUT/);
    expect((await must('services')).stdout).toMatch(/writer\s+ap\s+up/);

    await must('fence', 'ap', '--reason', 'isolated from us/eu, split-brain');
    const fenced = await clients().ap!.append('profile-drill-0', {
      type: 'ProfileUpdated',
      data: { x: 1 },
    });
    expect(fenced).toMatchObject({ ok: false, status: 503, code: 'REGION_FENCED' });

    await must('stack', 'heal');
    await must('verify', '--wait', '60');
    await must('unfence', 'ap');
    expect(
      (await clients().ap!.append('profile-drill-0', { type: 'ProfileUpdated', data: { x: 2 } }))
        .ok,
    ).toBe(true);
    await must('stack', 'heal', 'us', 'eu');
    const verify = JSON.parse((await must('verify', '--wait', '60', '--json')).stdout) as {
      converged: boolean;
    };
    expect(verify.converged).toBe(true);
  });

  it('replication lag and schema drift: rebuild a projection from the log, still converged', async () => {
    await must('replay', '--region', 'eu');
    await must('verify', '--wait', '30');
  });

  it('replication channel exposure: rotate a region key with an overlap window', async () => {
    await must('keys', 'list');
    const before = listKeys(config).find((k) => k.region === 'us')!.active!;
    await must('keys', 'stage', 'us');
    await must('stop'); // mirrors reload the public keys on restart
    await must('run', '--detach');
    await must('keys', 'activate', 'us');
    await must('stop'); // us signs with the new key after its writer restarts
    await must('run', '--detach');
    await writeEverywhere('new-key', 3);
    await must('verify', '--wait', '60');
    const after = listKeys(config).find((k) => k.region === 'us')!;
    expect(after.active).not.toBe(before);
    expect(after.accepted).toEqual([before, after.active]);
    await must('keys', 'retire', 'us', before, '--force');
    expect(listKeys(config).find((k) => k.region === 'us')!.accepted).toEqual([after.active]);
  });

  it('cost growth: measure the fold cost on this hardware', async () => {
    await must('bench', 'core', '--out', join(state, 'bench'));
  });
});
