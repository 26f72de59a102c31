/**
 * @concord/runner — runs writer, mirror and reconciler of every region as supervised child
 * processes (`concord run`): restart with back-off, a log file per process, clean stop.
 */
export {
  ensureLocalTokens,
  localTokensFile,
  readLocalTokens,
  type LocalTokens,
} from './localTokens.js';
export {
  effectiveConfig,
  readServicesStatus,
  runDetached,
  runnerPaths,
  runServices,
  stopServices,
  type RunOptions,
} from './runServices.js';
export { deploymentEnv, serviceSpecs, type ServiceSpecOptions } from './serviceSpecs.js';
export {
  SERVICE_KINDS,
  ServiceState,
  type ServiceKind,
  type ServiceSpec,
  type ServiceStatus,
} from './ServiceSpec.js';
export { Supervisor, type SupervisorOptions, type SupervisorStatusFile } from './Supervisor.js';
export { measureIdle, startCpuWindow, ticksPerSecond, type CpuWindow } from './cpu/cpuMeter.js';
export {
  BENCH_APPLICATION,
  deploymentProcesses,
  PROCESS_KINDS,
  type ProcessKind,
  type ProcessSet,
} from './cpu/deploymentProcesses.js';
export { coresUsed, cpuTicksBetween, parseProcStat, type ProcCpu } from './cpu/procStat.js';
