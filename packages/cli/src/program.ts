import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliContext } from './CliContext.js';
import type { CommandModule } from './CommandModule.js';

/** Thrown by commander for usage errors; mapped to `error VALIDATION_FAILED: …`, exit 2. */
export { CommanderError };

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Builds the `concord` program from its command modules. Commander is told not to exit or
 * print errors itself: runCli reports every failure as one `error CODE: message` line.
 */
export function buildProgram(modules: readonly CommandModule[], ctx: CliContext): Command {
  const program = new Command('concord')
    .description('Concord: active-active, event-sourced multi-region replication')
    .version(version(), '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      // Usage errors are reported by runCli in the one-line format.
      writeErr: () => undefined,
      outputError: () => undefined,
    });
  for (const m of modules) m.register(program, ctx);
  // Subcommands inherit exitOverride and output settings only when set on each of them.
  const propagate = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (s) => ctx.out(s),
        writeErr: () => undefined,
        outputError: () => undefined,
      });
      propagate(sub);
    }
  };
  propagate(program);
  return program;
}
