/**
 * Runs the mirror benchmark against the running local stack and records it in
 * bench/results/mirror.json: `node packages/bench/dist/runMirror.js` after `pnpm build` and
 * `concord stack up`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMirrorBench } from './mirrorBench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const target = resolve(root, 'bench/results/mirror.json');
const result = await runMirrorBench({ progress: (m) => process.stderr.write(`${m}\n`) });
mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
