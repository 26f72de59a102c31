import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from './repoRoot.js';

const CLI = resolve(REPO_ROOT, 'packages/cli/dist/bin.js');

export interface ConcordRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `concord` CLI as a real process (`pnpm build` first), the way a user does,
 * and collects its output. `env` adds to the test process's environment.
 */
export function runConcord(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<ConcordRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(
          `concord ${args.join(' ')} did not finish in ${options.timeoutMs} ms\n${stderr.slice(-4000)}`,
        ),
      );
    }, options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}
