/**
 * The mirror's composition root: `node services/mirror/dist/main.js` serves CONCORD_REGION.
 * Configuration, logs, metrics and traces are wired here (by runServiceMain) and nowhere else.
 */
import { runServiceMain } from '@concord/http';
import { startMirror } from './startMirror.js';

await runServiceMain({
  service: 'mirror',
  start: ({ config, region, logger, tracer }) => startMirror(config, { region, logger, tracer }),
});
