import { loadConfig, type ConcordConfig } from '@concord/config';

/** Where a command writes: injected so tests can capture output. */
export interface CliOutput {
  /** Results (tables, JSON): stdout. */
  out(text: string): void;
  /** Progress and diagnostics: stderr. */
  err(text: string): void;
  /** True when stderr is a terminal (progress may redraw lines). */
  readonly interactive: boolean;
}

/** What every command gets: configuration loading and output. */
export interface CliContext extends CliOutput {
  /**
   * Loads and validates the configuration (fails with CONFIG_INVALID naming the field).
   * `overrides` are keyed by environment variable name and win over the environment, e.g.
   * `{ CONCORD_REGIONS: 'us,eu' }` from a `--regions` flag.
   */
  config(overrides?: Readonly<Record<string, string | undefined>>): ConcordConfig;
}

export function processOutput(): CliOutput {
  return {
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    interactive: process.stderr.isTTY === true,
  };
}

/** The context of a real CLI run: the process environment and stdio. */
export function createCliContext(output: CliOutput = processOutput()): CliContext {
  return {
    ...output,
    config: (overrides) => loadConfig({ overrides: overrides ?? {} }),
  };
}
