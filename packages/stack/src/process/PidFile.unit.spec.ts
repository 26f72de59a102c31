import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { livePid, pidRecord, processState, writePidFile } from './PidFile.js';
import { stopByPidFile } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-pid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PID files', () => {
  it('recognise a live process, a paused one, and a recycled PID as not ours', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    const file = join(dir, 'child.pid');
    writePidFile(file, pidRecord(child.pid!, 'node'));
    expect(livePid(file)?.state).toBe('running');
    process.kill(child.pid!, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 100));
    expect(livePid(file)?.state).toBe('stopped');
    // Same PID, other start time: someone else's process.
    expect(processState(child.pid!, (pidRecord(child.pid!, '').startTicks ?? 0) + 1)).toBe('gone');

    // Stopping resumes a paused process so it can act on SIGTERM.
    expect(await stopByPidFile(file, { graceMs: 5000 })).toBe(child.pid);
    expect(existsSync(file)).toBe(false);
    expect(processState(child.pid!)).toBe('gone');
  });

  it('removes a stale PID file', () => {
    const file = join(dir, 'stale.pid');
    writePidFile(file, { pid: 999_999_999, command: 'gone', startedAt: '' });
    expect(livePid(file)).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });
});
