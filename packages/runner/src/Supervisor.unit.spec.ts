import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@concord/core';
import { processState, ProcessState } from '@concord/stack';
import { freePort } from '@concord/test-support';
import {
  ServiceState,
  Supervisor,
  type ServiceSpec,
  type SupervisorOptions,
  type SupervisorStatusFile,
} from './index.js';

/**
 * The supervisor is exercised with a small real HTTP process standing in for a service: what
 * is under test is process supervision (spawn, health, restart, back-off, stop), which does
 * not depend on what the process serves.
 */
const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
const serviceScript = join(dir, 'service.mjs');
writeFileSync(
  serviceScript,
  `import { createServer } from 'node:http';
   if (process.env.CRASH_AT_START === '1') process.exit(3);
   const server = createServer((req, res) => { res.end(JSON.stringify({ status: 'ok', env: process.env.MARK })); });
   server.listen(Number(process.env.PORT), '127.0.0.1');
   process.on('SIGTERM', () => { console.log('got SIGTERM'); server.close(() => process.exit(0)); });`,
);

async function spec(name: string, env: Record<string, string> = {}): Promise<ServiceSpec> {
  const port = await freePort();
  return {
    name,
    kind: 'writer',
    region: 'us',
    command: process.execPath,
    args: [serviceScript],
    env: { PORT: String(port), MARK: name, ...env },
    port,
    url: `http://127.0.0.1:${port}`,
    logFile: join(dir, `${name}.log`),
  };
}

let running: Supervisor | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function supervise(
  specs: ServiceSpec[],
  statusFile = join(dir, `status-${Math.random()}.json`),
  onChange?: SupervisorOptions['onChange'],
) {
  running = new Supervisor(specs, {
    statusFile,
    ...(onChange ? { onChange } : {}),
    healthPollMs: 50,
    initialBackoffMs: 100,
    stopGraceMs: 3000,
  });
  running.start();
  return { supervisor: running, statusFile };
}

describe('Supervisor', () => {
  it('starts every service, reports it up once healthy, and publishes a status file', async () => {
    const { supervisor, statusFile } = supervise([
      await spec('writer-us'),
      await spec('mirror-us'),
    ]);
    await supervisor.waitUntilUp(10_000);
    const file = JSON.parse(readFileSync(statusFile, 'utf8')) as SupervisorStatusFile;
    expect(file.supervisorPid).toBe(process.pid);
    expect(file.services.map((s) => [s.name, s.state])).toEqual([
      ['writer-us', 'up'],
      ['mirror-us', 'up'],
    ]);
    for (const s of file.services)
      expect(processState(s.pid!, s.startTicks)).toBe(ProcessState.running);
  });

  it('restarts a service killed with SIGKILL, with a new PID', async () => {
    const { supervisor } = supervise([await spec('writer-us')]);
    await supervisor.waitUntilUp(10_000);
    const before = supervisor.status()[0]!;
    process.kill(before.pid!, 'SIGKILL');
    await sleep(50);
    await supervisor.waitUntilUp(10_000);
    const after = supervisor.status()[0]!;
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBe(before.pid);
    expect(after.lastExit?.signal).toBe('SIGKILL');
  });

  it('restarts one service on demand with a changed environment, without counting a crash', async () => {
    const { supervisor } = supervise([await spec('writer-us'), await spec('mirror-us')]);
    await supervisor.waitUntilUp(10_000);
    const before = supervisor.pidOf('writer-us');
    await supervisor.restart('writer-us', { MARK: 'skewed' });
    expect(supervisor.pidOf('writer-us')).not.toBe(before);
    const status = supervisor.status().find((s) => s.name === 'writer-us')!;
    expect(status.restarts).toBe(1);
    expect(await (await fetch(`${status.url}/`)).json()).toEqual({ status: 'ok', env: 'skewed' });
    expect(supervisor.status().find((s) => s.name === 'mirror-us')!.restarts).toBe(0);
  });

  it('backs off exponentially while a service keeps crashing', async () => {
    // Lower bounds only: each back-off lasts at least its delay (100, 200, 400 ms, -10 %
    // jitter) however slow the machine is, so a tight restart loop fails this test.
    const backoffs: number[] = [];
    let enteredAt: number | undefined;
    const { supervisor } = supervise(
      [await spec('writer-us', { CRASH_AT_START: '1' })],
      undefined,
      (status, previous) => {
        if (status.state === ServiceState.backoff) enteredAt = performance.now();
        else if (previous === ServiceState.backoff && enteredAt !== undefined)
          backoffs.push(performance.now() - enteredAt);
      },
    );
    const deadline = Date.now() + 60_000;
    while (backoffs.length < 3 && Date.now() < deadline) await sleep(20);
    expect(backoffs.length).toBe(3);
    backoffs.forEach((ms, k) => expect(ms).toBeGreaterThanOrEqual(0.9 * 100 * 2 ** k - 5));
    expect(supervisor.status()[0]!.restarts).toBeGreaterThanOrEqual(3);
    expect(supervisor.status()[0]!.lastExit?.code).toBe(3);
  });

  it('stops every service with SIGTERM, a paused one included, and leaves none running', async () => {
    const { supervisor } = supervise([await spec('writer-us'), await spec('mirror-us')]);
    await supervisor.waitUntilUp(10_000);
    const pids = supervisor.status().map((s) => [s.pid!, s.startTicks] as const);
    process.kill(pids[1]![0], 'SIGSTOP');
    await supervisor.stop();
    running = undefined;
    for (const [pid, ticks] of pids) expect(processState(pid, ticks)).toBe(ProcessState.gone);
    expect(supervisor.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(readFileSync(join(dir, 'writer-us.log'), 'utf8')).toContain('got SIGTERM');
  });
});
