/**
 * Runs the writer benchmark and records it in bench/results/writer.json (from the workspace
 * root): `node packages/bench/dist/runWriter.js` after `pnpm build`, with the local stack up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@concord/config';
import { runWriterBench } from './writerBench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const target = resolve(root, 'bench/results/writer.json');
const result = await runWriterBench(loadConfig(), {
  log: (line) => process.stderr.write(`${line}\n`),
});
mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
