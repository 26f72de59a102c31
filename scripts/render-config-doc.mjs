// Regenerates docs/configuration.md from the settings table (needs `pnpm build` first).
import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from '@concord/config';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDoc());
