import { CommanderError } from 'commander';
import { toConcordError, type ErrorCode } from '@concord/core';
import { createCliContext, type CliContext } from './CliContext.js';
import { commands } from './commands/index.js';
import type { CommandModule } from './CommandModule.js';
import { buildProgram } from './program.js';

/** Exit status per error code; anything else exits 1. Scripts may rely on these. */
export const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 2,
  UNKNOWN_REGION: 2,
  CONFIG_INVALID: 3,
  PREREQUISITE_MISSING: 4,
  PORT_IN_USE: 5,
  STACK_NOT_RUNNING: 6,
  STACK_START_FAILED: 7,
  CHECK_FAILED: 8,
  NOT_CONVERGED: 9,
};

/**
 * Runs the CLI with `argv` (process.argv form) and returns the exit code; never throws. A
 * failure prints exactly one line, `error CODE: message`, on stderr.
 */
export async function runCli(
  argv: readonly string[],
  ctx: CliContext = createCliContext(),
  modules: readonly CommandModule[] = commands,
): Promise<number> {
  const program = buildProgram(modules, ctx);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride too, successfully.
      if (
        error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      )
        return 0;
      if (error.code === 'commander.help') return 0;
      ctx.err(`error VALIDATION_FAILED: ${error.message.replace(/^error: /, '')}`);
      return 2;
    }
    const e = toConcordError(error);
    ctx.err(`error ${e.code}: ${e.message.split('\n')[0]}`);
    return EXIT_CODES[e.code] ?? 1;
  }
}
