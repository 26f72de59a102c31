import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { staleBuilds } from './buildFreshness.js';

const root = mkdtempSync(join(tmpdir(), 'concord-fresh-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(
  path: string,
  files: Record<string, number>,
  builtAt?: number,
  tsconfig: object = {},
): void {
  mkdirSync(join(root, path, 'src', 'a'), { recursive: true });
  mkdirSync(join(root, path, 'src', 'testing'), { recursive: true });
  writeFileSync(join(root, path, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [file, at] of Object.entries(files)) {
    writeFileSync(join(root, path, 'src', file), '');
    utimesSync(join(root, path, 'src', file), at, at);
  }
  if (builtAt !== undefined) {
    mkdirSync(join(root, path, 'dist'), { recursive: true });
    writeFileSync(join(root, path, 'dist', '.tsbuildinfo'), '');
    utimesSync(join(root, path, 'dist', '.tsbuildinfo'), builtAt, builtAt);
  }
}

describe('staleBuilds', () => {
  it('names the projects whose sources are newer than their build, ignoring specs', () => {
    mkdirSync(join(root, 'packages'), { recursive: true });
    mkdirSync(join(root, 'services'), { recursive: true });
    project('packages/fresh', { 'index.ts': 1000, 'a/x.ts': 1500 }, 2000);
    project('packages/edited', { 'index.ts': 1000, 'a/y.ts': 3000 }, 2000);
    project('services/specOnly', { 'index.ts': 1000, 'a/z.unit.spec.ts': 5000 }, 2000);
    project('services/never', { 'main.ts': 1000 });
    const noTesting = { exclude: ['src/**/*.spec.ts', 'src/testing/**'] };
    project('services/testingOnly', { 'index.ts': 1000, 'testing/f.ts': 5000 }, 2000, noTesting);
    project('services/testingBuilt', { 'index.ts': 1000, 'testing/g.ts': 5000 }, 2000);
    expect(staleBuilds(root).sort()).toEqual([
      'packages/edited (packages/edited/src/a/y.ts is newer than dist)',
      'services/never (never built)',
      'services/testingBuilt (services/testingBuilt/src/testing/g.ts is newer than dist)',
    ]);
  });
});
