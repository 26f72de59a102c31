/**
 * One region's mirror as its own process for the lag benchmark (as in production, one process
 * per region): started by `fork` with the bench's namespace, it records, for every applied
 * event, commit time − `meta.acceptedAt`, and sends them to the parent when asked.
 */
import { loadConfig } from '@concord/config';
import { requireStackEndpoints, withStackEndpoints } from '@concord/stack';
import { startMirror } from '@concord/mirror';

const [namespace, region, minBytes, maxWaitMs] = process.argv.slice(2) as [
  string,
  string,
  string?,
  string?,
];
const base = loadConfig({
  overrides: { CONCORD_NAMESPACE: namespace, CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' },
});
const config = withStackEndpoints(base, requireStackEndpoints(base));
const lags: [number, number][] = [];
let measuring = false;
const mirror = await startMirror(config, {
  region,
  port: 0,
  host: '127.0.0.1',
  ...(minBytes ? { fetchMinBytes: Number(minBytes) } : {}),
  ...(maxWaitMs ? { fetchMaxWaitMs: Number(maxWaitMs) } : {}),
  onApplied: (events, committedAt) => {
    if (!measuring) return;
    for (const e of events) {
      lags.push([committedAt - Date.parse(String(e.meta.acceptedAt)), e.origin === region ? 0 : 1]);
    }
  },
});
process.on('message', (message: string) => {
  if (message === 'measure') measuring = true;
  if (message === 'report') {
    measuring = false;
    process.send?.({ lags }, () => {
      void mirror.close().then(() => process.exit(0));
    });
  }
});
process.send?.('ready');
