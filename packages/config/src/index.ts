/**
 * @concord/config — the one typed configuration of Concord. Environment variables are read
 * here and nowhere else; every setting is documented in docs/configuration.md.
 */
export type {
  ConcordConfig,
  LinkConfig,
  RegionConfig,
  RegionId,
  ReplicationMode,
  ServerMode,
} from './ConcordConfig.js';
export { MAX_REGIONS, portLayout } from './layout.js';
export {
  configError,
  findWorkspaceRoot,
  loadConfig,
  requireRegion,
  type ConfigIssue,
  type LoadConfigOptions,
} from './loadConfig.js';
export { readRegionKeys, type RegionKeyFiles } from './regionKeys.js';
export { renderConfigDoc } from './renderConfigDoc.js';
export { regionEnvPrefix, regionSettings } from './regionSettings.js';
export { settings, type SettingSpec } from './settings.js';
export { brokersFor, eventSource, kafkaRoute, topics } from './topics.js';
