/**
 * @concord/stack — the local multi-region stack without Docker: one KRaft Kafka broker per
 * region from the Maven Central jars, WAN link proxies in a supervised daemon, Postgres and
 * Redis (configured servers or private ones), signing keys, topics and migrations; optionally
 * SASL_SSL cross-region listeners (`--secure`) and MirrorMaker 2 between regions (`--mm2`).
 * See docs/local-stack.md.
 */
export { stackUp } from './stackUp.js';
export type { StackUpOptions, StackUpResult } from './stackUpShared.js';
export { runningParts, stopStartedSince, type RunningParts } from './process/startedParts.js';
export {
  stackDown,
  deleteRedisPrefix,
  type StackDownOptions,
  type StackDownResult,
} from './stackDown.js';
export { stackStatus, type PartState, type StackStatus } from './stackStatus.js';
export {
  StackController,
  type BrokerControl,
  type MirrorMakerControl,
  type ServerControl,
} from './StackController.js';
export {
  recordedModes,
  resolveStackModes,
  stackRegionEnv,
  stackServiceEnv,
  type StackModeOptions,
  type StackModes,
} from './stackModes.js';
export {
  MirrorMakerProcess,
  stopMirrorMakers,
  type MirrorMakerStatus,
} from './mm2/MirrorMakerProcess.js';
export {
  mirroredTopicsPattern,
  renderMirrorMakerProperties,
  type MirrorMakerSecurity,
} from './mm2/mirrorMakerProperties.js';
export { stackSecurity, type StackSecurity } from './security/stackSecurity.js';
export { brokerSubjectAltNames, ensureStackCertificates } from './security/stackCertificates.js';
export { readerAcls } from './security/readerAcls.js';
export { SCRAM_MECHANISM, scramUsername } from './security/scramUsers.js';
export {
  readStackEndpoints,
  requireStackEndpoints,
  withStackEndpoints,
  writeStackEndpoints,
  type StackEndpoints,
} from './endpoints/StackEndpoints.js';
export { LinkControlClient, type PairOptions } from './links/LinkControlClient.js';
export {
  formatDuration,
  formatRate,
  HEALTHY_LINK,
  linkKey,
  parseDuration,
  parseRate,
  type LinkId,
  type LinkSettings,
  type LinkStatus,
} from './links/linkSettings.js';
export { LinkProxy, type LinkProxyOptions } from './links/LinkProxy.js';
export { KafkaBroker, type BrokerSecurity, type BrokerStatus } from './kafka/KafkaBroker.js';
export { stackTopicSpecs, ensureStackTopics } from './kafka/stackTopics.js';
export {
  renderServerProperties,
  peerListenerName,
  MAX_MESSAGE_BYTES,
} from './kafka/serverProperties.js';
export {
  ensureKafkaJars,
  ensureMirrorMakerJars,
  kafkaJarsCached,
  mirrorMakerJarsCached,
} from './kafka/kafkaJars.js';
export { ensureSigningKeys, signingKeyFiles } from './keys/signingKeys.js';
export {
  activateKey,
  keyFingerprint,
  listKeys,
  retireKey,
  stageKey,
  type RegionKeys,
} from './keys/keyRotation.js';
export { assertPortsFree, findListener, isPortFree, type PortClaim } from './ports/portCheck.js';
export { findExecutable, requireJava, requireMaven, requireOpenssl } from './prerequisites.js';
export {
  canConnectPostgres,
  ensurePrivatePostgres,
  privatePostgresUrl,
  stopPrivatePostgres,
  type ResolvedServerMode,
} from './postgres/PostgresServer.js';
export {
  clusterBinaries,
  clusterUser,
  initdbArgs,
  pgCtlStartArgs,
  pgCtlStopArgs,
  serverOptions,
  type ClusterServerOptions,
} from './postgres/clusterCommands.js';
export { canPingRedis } from './redis/RedisServers.js';
export {
  livePid,
  pidRecord,
  processState,
  ProcessState,
  waitForProcessState,
  readPidFile,
  writePidFile,
  type PidRecord,
} from './process/PidFile.js';
export {
  signalByPidFile,
  spawnDetached,
  stopByPidFile,
  tailFile,
  waitForExit,
  type SpawnDetachedOptions,
  type StopOptions,
} from './process/processes.js';
export { stackPaths, type StackPaths } from './StackPaths.js';
export type { ProgressEvent, ProgressSink } from './progress.js';
export {
  buildImages,
  imageNames,
  missingImages,
  type ImageNames,
  type ImagesBuildOptions,
  type ImagesBuildResult,
} from './containers/images.js';
export { imageExists, requireDocker } from './containers/docker.js';
export {
  composeClientEnv,
  composeDown,
  composeEnv,
  composeHeal,
  composePartition,
  composeProject,
  composeUp,
  runCompose,
  type ComposeOptions,
} from './containers/compose.js';
