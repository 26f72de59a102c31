/** Support code shared by the integration and end-to-end tests. */
export {
  cleanupNamespace,
  createDatabases,
  createTopics,
  dropDatabases,
  dropRedisKeys,
  dropTopics,
  testConfig,
  testStack,
  uniqueNamespace,
} from './testStack.js';
export { waitFor } from './waitFor.js';
export { CHROMIUM_PATH, launchChromium } from './browser.js';
export { runConcord, type ConcordRun } from './runConcord.js';
