import { MAX_REGIONS } from './layout.js';
import { regionSettings } from './regionSettings.js';
import { settings } from './settings.js';

function defaultText(s: { default: unknown; defaultText?: string }): string {
  if (s.defaultText !== undefined) return s.defaultText;
  if (Array.isArray(s.default)) return s.default.join(',');
  return s.default === undefined ? '(none)' : String(s.default);
}

/**
 * Renders docs/configuration.md from the settings table, so the documentation cannot drift
 * from the code (a unit test compares the file with this output).
 */
export function renderConfigDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/config/src/settings.ts by `pnpm docs:config`; do not edit by hand. -->',
    '',
    'Concord reads its configuration from environment variables, in one place',
    '(`packages/config`), validates all of it at start-up and fails with one `CONFIG_INVALID`',
    'error naming every offending variable. Unknown `CONCORD_*` variables are errors too, so a',
    'typo never goes unnoticed.',
    '',
    '## Global settings',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...Object.values(settings).map(
      (s) => `| \`${s.env}\` | \`${defaultText(s)}\` | ${s.doc.replace(/\|/g, '\\|')} |`,
    ),
    '',
    '## Per-region settings',
    '',
    'Each is read as `CONCORD_<REGION>_<SUFFIX>`, the region upper-cased with `-` written as `_`',
    '(e.g. `CONCORD_US_EAST_WRITER_PORT` for region `us-east`).',
    '',
    '| suffix | meaning |',
    '|---|---|',
    ...Object.values(regionSettings).map((s) => `| \`${s.suffix}\` | ${s.doc} |`),
    '',
    'A reader-specific route to another region’s Kafka (for a WAN address that differs per',
    'reader) is `CONCORD_<READER>_FROM_<ORIGIN>_KAFKA_BROKERS`; without one, the local stack’s',
    'link proxy for that ordered pair is used.',
    '',
    `At most ${MAX_REGIONS} regions fit the default port layout; see docs/local-stack.md for it.`,
    '',
  ];
  return lines.join('\n');
}
