import type { z } from 'zod';

import { accessSettings } from './settingsAccess.js';
import { deploymentSettings } from './settingsDeployment.js';
import { kafkaSettings } from './settingsKafka.js';
import { tuningSettings } from './settingsTuning.js';

export type { SettingSpec } from './settingSchemas.js';

/**
 * Every global setting Concord reads from the environment, with its default and meaning.
 * This table is the single source for `loadConfig`, for `concord config` and for
 * docs/configuration.md (a unit test keeps that file in step with this table).
 * The table is kept in groups (one file each); their order here is the order of the doc.
 */
export const settings = {
  ...deploymentSettings,
  ...kafkaSettings,
  ...accessSettings,
  ...tuningSettings,
} as const;

export type Settings = typeof settings;
export type SettingName = keyof Settings;
export type SettingValue<K extends SettingName> =
  z.output<Settings[K]['schema']> | (Settings[K]['default'] extends undefined ? undefined : never);
