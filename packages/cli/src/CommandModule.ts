import type { Command } from 'commander';
import type { CliContext } from './CliContext.js';

/**
 * One command group of the `concord` CLI (a file under commands/). Adding a command: write
 * `commands/<name>.ts` exporting a CommandModule and list it in commands/index.ts.
 */
export interface CommandModule {
  /** The top-level command word, e.g. `stack`. */
  readonly name: string;
  /** Adds the command (and its subcommands) to `program`. */
  register(program: Command, ctx: CliContext): void;
}
