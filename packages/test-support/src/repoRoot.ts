import { resolve } from 'node:path';

/** The checkout's root folder (this file is `packages/test-support/{src,dist}/repoRoot.*`). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
