import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A built source file (what `tsc -b` compiles into dist/: no specs, fixtures or benches, nor
 * the folders the project's tsconfig excludes).
 */
const isBuilt = (name: string) =>
  name.endsWith('.ts') && !/\.(spec|fixtures|bench)\.ts$/.test(name) && !name.endsWith('.d.ts');

/** The project's `src/<folder>/**` excludes (e.g. writer and reconciler exclude `src/testing/**`). */
function excludedFolders(project: string): Set<string> {
  let exclude: unknown;
  try {
    exclude = (
      JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8')) as { exclude?: unknown }
    ).exclude;
  } catch {
    return new Set();
  }
  if (!Array.isArray(exclude)) return new Set();
  return new Set(
    exclude.flatMap((e) => {
      const m = typeof e === 'string' ? /^src\/([^/*]+)\/\*\*$/.exec(e) : null;
      return m ? [join(project, 'src', m[1]!)] : [];
    }),
  );
}

function newestBuilt(
  dir: string,
  excluded: ReadonlySet<string> = new Set(),
): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (excluded.has(path)) continue;
    const found = entry.isDirectory()
      ? newestBuilt(path, excluded)
      : isBuilt(entry.name)
        ? { file: path, mtimeMs: statSync(path).mtimeMs }
        : undefined;
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/**
 * The workspace projects whose dist/ is older than their src/ (or missing): process tests
 * run dist/, so running them then would test stale code. Each entry names the newest source.
 */
export function staleBuilds(root: string): string[] {
  const stale: string[] = [];
  for (const group of ['packages', 'services', 'examples']) {
    if (!existsSync(join(root, group))) continue;
    for (const name of readdirSync(join(root, group))) {
      const project = join(root, group, name);
      const src = join(project, 'src');
      if (!existsSync(join(project, 'tsconfig.json')) || !existsSync(src)) continue;
      const newest = newestBuilt(src, excludedFolders(project));
      if (!newest) continue;
      const info = join(project, 'dist', '.tsbuildinfo');
      if (!existsSync(info)) {
        stale.push(`${relative(root, project)} (never built)`);
      } else if (newest.mtimeMs > statSync(info).mtimeMs) {
        stale.push(
          `${relative(root, project)} (${relative(root, newest.file)} is newer than dist)`,
        );
      }
    }
  }
  return stale;
}
