/**
 * @concord/test-support — support code shared by the integration and end-to-end tests of
 * every package (docs/local-stack.md, "Programmatic API"). The int and e2e tiers' global setup is
 * `src/stack-global-setup.ts` (vitest.config.ts).
 */
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
export { concordInProcess, type CliRun } from './cliInProcess.js';
export { REPO_ROOT } from './repoRoot.js';
export { freePort, freePorts } from './ports.js';
export { PrivatePostgres, PrivateRedis, withRegionServers } from './privateServers.js';
export { jsonClient, type Reply } from './jsonClient.js';
export { eventRecord, regionPool, RegionProducers, signAll, signers } from './signedEvents.js';
export { readTopic, type ReadRecord } from './readTopic.js';
export { metricValue } from './metrics.js';
export { mirrorFixture, type MirrorFixture, type MirrorFixtureOptions } from './mirrorFixture.js';
