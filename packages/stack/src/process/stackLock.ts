import { mkdirSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConcordError, withRetry } from '@concord/core';
import { pidRecord, processState, ProcessState, readPidFile } from './PidFile.js';

const LOCKED = 'stack lock held';

/**
 * Runs `fn` while holding `<stateDir>/stack.lock`, so two `stack up`/`down` runs on the same
 * state folder (two terminals, two test runs) never start the same broker twice. A lock left
 * by a dead process is taken over.
 */
export async function withStackLock<T>(
  stateDir: string,
  fn: () => Promise<T>,
  timeoutMs = 240_000,
): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'stack.lock');
  const deadline = Date.now() + timeoutMs;
  await withRetry(
    async () => {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, JSON.stringify(pidRecord(process.pid, 'concord stack')));
        closeSync(fd);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readPidFile(file);
        if (!holder || processState(holder.pid, holder.startTicks) === ProcessState.gone) {
          rmSync(file, { force: true });
        }
        throw new ConcordError('TIMEOUT', `${LOCKED} by pid ${holder?.pid ?? '?'} (${file})`, {
          retriable: true,
        });
      }
    },
    {
      attempts: Math.ceil(timeoutMs / 250),
      initialDelayMs: 100,
      maxDelayMs: 500,
      retryIf: () => Date.now() < deadline,
    },
  );
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
