/**
 * Runs the core benchmark and records it in bench/results/core.json (from the workspace
 * root): `node packages/bench/dist/runCore.js` after `pnpm build`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCoreBench } from './runCoreBench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const target = resolve(root, 'bench/results/core.json');
const result = await runCoreBench();
mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
