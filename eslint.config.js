// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

/** Modules that perform IO or wire telemetry: forbidden in the pure core. */
const IO_MODULES = [
  'kafkajs',
  'pg',
  'pg-*',
  'ioredis',
  'fastify',
  'pino',
  'prom-client',
  'undici',
  '@opentelemetry/sdk-*',
  '@opentelemetry/exporter-*',
  'node:net',
  'node:tls',
  'node:dgram',
  'node:dns',
  'node:http',
  'node:https',
  'node:http2',
  'node:fs',
  'node:fs/*',
  'node:child_process',
  'node:cluster',
  'node:worker_threads',
  'net',
  'tls',
  'dgram',
  'dns',
  'http',
  'https',
  'fs',
  'fs/*',
  'child_process',
  '@concord/kafka',
  '@concord/postgres',
  '@concord/redis',
  '@concord/telemetry',
  '@concord/stack',
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '.concord/**', 'coverage/**', 'bench/results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // Parse TypeScript sources too when following imports (no-cycle reads the imported files).
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      // `@concord/<name>` resolves to its sources the way the type checker sees them
      // (tsconfig.check.json's paths), so cycles and cross-package imports are found in src/.
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: 'tsconfig.check.json', alwaysTryTypes: true }),
      ],
    },
    rules: {
      // A relative import into another workspace package: import it by name instead.
      'import-x/no-relative-packages': 'error',
      // Every package imported is declared in the importing file's nearest package.json
      // (devDependencies count: tests and tools import test-only packages).
      'import-x/no-extraneous-dependencies': ['error', { includeTypes: true }],
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a const object, not a TS enum.' },
      ],
    },
  },
  {
    files: ['packages/core/**/*.ts', 'packages/domains/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.bench.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'packages/core and packages/domains are pure: no IO or telemetry imports.',
            },
          ],
        },
      ],
    },
  },
  {
    // @concord/client is published-shaped: apps install it without the rest of Concord.
    files: ['packages/client/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@concord/*'],
              message: '@concord/client has no Concord-internal runtime dependencies.',
            },
          ],
        },
      ],
    },
  },
  {
    // Examples are downstream apps: they use Concord through @concord/client only, as an app would.
    files: ['examples/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@concord/*', '!@concord/client'],
              message: 'Examples use Concord through @concord/client only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
);
