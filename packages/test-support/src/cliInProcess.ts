import { runCli, type CliContext } from '@concord/cli';
import type { ConcordConfig } from '@concord/config';

/** What `concordInProcess` captured of one `concord` command. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** How long the command took. */
  readonly ms: number;
}

/**
 * Runs `concord <args>` in-process against `config`, capturing its output (non-interactive).
 * `runConcord` runs the built CLI as a real process instead.
 */
export async function concordInProcess(config: ConcordConfig, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    interactive: false,
    config: () => config,
  };
  const started = Date.now();
  const code = await runCli(['node', 'concord', ...args], ctx);
  return { code, out: out.join('\n'), err: err.join('\n'), ms: Date.now() - started };
}
