import { readdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Tests run against the TypeScript sources of every workspace package (no build needed),
 * so `@concord/<name>` resolves to `<dir>/<name>/src/index.ts`.
 */
const root = import.meta.dirname;
const alias: { find: RegExp; replacement: string }[] = [];
for (const dir of ['packages', 'services']) {
  for (const name of readdirSync(resolve(root, dir))) {
    const src = resolve(root, dir, name, 'src');
    if (!existsSync(src)) continue;
    alias.push({
      find: new RegExp(`^@concord/${name}/main$`),
      replacement: resolve(src, 'main.ts'),
    });
    alias.push({ find: new RegExp(`^@concord/${name}$`), replacement: resolve(src, 'index.ts') });
  }
}

const everywhere = (suffix: string) => [
  `packages/*/src/**/*.${suffix}.spec.ts`,
  `services/*/src/**/*.${suffix}.spec.ts`,
  `examples/*/src/**/*.${suffix}.spec.ts`,
  `test/**/*.${suffix}.spec.ts`,
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        // Projects run one after the other (groupOrder): int and e2e share one local stack and
        // fault-inject it (stop brokers, cut links), so they must never overlap.
        test: {
          name: 'unit',
          include: everywhere('unit'),
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: everywhere('int'),
          sequence: { groupOrder: 1 },
          globalSetup: ['packages/test-support/src/stack-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Integration files share one local stack and two cores: keep them sequential.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: everywhere('e2e'),
          sequence: { groupOrder: 2 },
          globalSetup: ['packages/test-support/src/stack-global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        // The compose deployment on a Docker engine (docs/containers.md): not part of
        // `pnpm test`; .ci/run runs it after the container subset. No global stack: the
        // compose topology publishes the same ports.
        test: {
          name: 'containers',
          include: everywhere('containers'),
          sequence: { groupOrder: 3 },
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
