import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigDoc, settings } from './index.js';

describe('docs/configuration.md', () => {
  it('is exactly what the settings table renders (run `pnpm docs:config` after changing it)', () => {
    const file = readFileSync(
      resolve(import.meta.dirname, '../../../docs/configuration.md'),
      'utf8',
    );
    expect(file).toBe(renderConfigDoc());
    for (const s of Object.values(settings)) expect(file).toContain(`\`${s.env}\``);
  });
});
