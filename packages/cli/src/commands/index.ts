import type { CommandModule } from '../CommandModule.js';
import { benchCommand } from './bench.js';
import { chaosCommand } from './chaos.js';
import { composeCommand } from './compose.js';
import { conflictsCommand } from './conflicts.js';
import { demoCommand } from './demo.js';
import { fenceCommand } from './fence.js';
import { imagesCommand } from './images.js';
import { keysCommand } from './keys.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { stackCommand } from './stack.js';
import { statusCommand } from './status.js';
import { verifyCommand } from './verify.js';

/**
 * Every command group of `concord`, in help order. To add one (run, demo, status, verify,
 * replay, conflicts, fence, bench, chaos…), write commands/<name>.ts exporting a
 * CommandModule and add it here.
 */
export const commands: readonly CommandModule[] = [
  stackCommand,
  imagesCommand,
  composeCommand,
  runCommand,
  demoCommand,
  chaosCommand,
  keysCommand,
  replayCommand,
  statusCommand,
  verifyCommand,
  conflictsCommand,
  fenceCommand,
  benchCommand,
];
