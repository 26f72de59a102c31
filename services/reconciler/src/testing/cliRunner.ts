import type { ConcordConfig } from '@concord/config';
import { runCli, type CliContext } from '@concord/cli';

/** Runs `concord <args>` in-process against `config`, capturing its output. */
export async function concord(
  config: ConcordConfig,
  ...args: string[]
): Promise<{ code: number; out: string; err: string; ms: number }> {
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
