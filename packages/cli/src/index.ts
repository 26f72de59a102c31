/** @concord/cli — the `concord` command line, for embedding and tests. */
export { createCliContext, processOutput, type CliContext, type CliOutput } from './CliContext.js';
export type { CommandModule } from './CommandModule.js';
export { commands } from './commands/index.js';
export { buildProgram } from './program.js';
export { EXIT_CODES, runCli } from './runCli.js';
export { renderTable } from './output/renderTable.js';
