import type { RegionId } from './ConcordConfig.js';
import type { ConfigIssue } from './configIssues.js';
import { regionEnvPrefix, regionSettings } from './regionSettings.js';
import { settings } from './settings.js';

export interface RegionOverrides {
  /** Per region: the CONCORD_<REGION>_<SUFFIX> values, keyed by suffix. */
  readonly perRegion: ReadonlyMap<RegionId, ReadonlyMap<string, string>>;
  /** `<reader><-<origin>` → brokers, from CONCORD_<READER>_FROM_<ORIGIN>_KAFKA_BROKERS. */
  readonly routes: Record<string, string[]>;
}

/**
 * Collects the per-region and per-route overrides from `env`; any other CONCORD_* variable
 * that is not a known setting is a typo and becomes an issue.
 */
export function collectRegionOverrides(
  env: Readonly<Record<string, string | undefined>>,
  regions: readonly RegionId[],
  issues: ConfigIssue[],
): RegionOverrides {
  const known = new Set<string>(Object.values(settings).map((s) => s.env));
  const regionByPrefix = new Map(regions.map((r) => [regionEnvPrefix(r), r]));
  const perRegion = new Map<RegionId, Map<string, string>>();
  const routes: Record<string, string[]> = {};
  const suffixes = Object.values(regionSettings).map((s) => s.suffix as string);
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('CONCORD_') || known.has(key) || value === undefined) continue;
    const route = /^CONCORD_([A-Z0-9_]+)_FROM_([A-Z0-9_]+)_KAFKA_BROKERS$/.exec(key);
    if (route) {
      const reader = regionByPrefix.get(`CONCORD_${route[1]}_`);
      const origin = regionByPrefix.get(`CONCORD_${route[2]}_`);
      if (!reader || !origin) {
        issues.push({ field: key, message: 'unknown region in route', value });
        continue;
      }
      const brokers = parseBrokers(key, value, issues);
      if (brokers) routes[`${reader}<-${origin}`] = brokers;
      continue;
    }
    const suffix = suffixes.find((s) => key.endsWith(`_${s}`));
    if (suffix) {
      const prefix = key.slice(0, key.length - suffix.length);
      const r = regionByPrefix.get(prefix);
      if (!r) {
        issues.push({
          field: key,
          message: `unknown region "${prefix.slice('CONCORD_'.length, -1).toLowerCase()}"; configured regions: ${regions.join(', ')}`,
          value,
        });
        continue;
      }
      const m = perRegion.get(r) ?? new Map<string, string>();
      m.set(suffix, value);
      perRegion.set(r, m);
      continue;
    }
    issues.push({ field: key, message: 'unknown setting (see docs/configuration.md)', value });
  }

  return { perRegion, routes };
}

export function parseBrokers(
  field: string,
  raw: string,
  issues: ConfigIssue[],
): string[] | undefined {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  const bad = brokers.filter((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    issues.push({ field, message: 'must be host:port[,host:port…]', value: raw });
    return undefined;
  }
  return brokers;
}
