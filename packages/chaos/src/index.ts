/**
 * @concord/chaos — Jepsen-style testing of Concord: a workload whose writes are checkable, a
 * nemesis that injects faults, a checker over the recorded history, and reports.
 */
export {
  ANOMALY_DESCRIPTIONS,
  ANOMALY_KINDS,
  checkHistory,
  type Anomaly,
  type AnomalyKind,
  type CheckOptions,
  type CheckResult,
} from './checker/checkHistory.js';
export type {
  AckedWrite,
  AppliedEvent,
  ConflictRow,
  FailedWrite,
  History,
  RegionObservation,
  StreamDigestRow,
} from './checker/History.js';
export {
  describeFault,
  FAULT_KINDS,
  parseFaultKinds,
  planFaults,
  SERVICE_NAMES,
  type FaultAction,
  type FaultKind,
  type PlannedFault,
  type PlanOptions,
} from './schedule/planFaults.js';
export type {
  ReportBand,
  ReportChart,
  ReportDocument,
  ReportSeries,
  ReportTable,
} from './report/ReportDocument.js';
export { renderHtmlReport } from './report/renderHtmlReport.js';
export { foldContentHash, observeRegion } from './observe/observeRegion.js';
export { readAppliedFeed, readTopicIds, readTopicRecords } from './observe/readTopicIds.js';
export {
  WriterClient,
  type AppendBody,
  type AppendClient,
  type AppendOutcome,
} from './workload/WriterClient.js';
export {
  AvailabilityTracker,
  FailoverClient,
  type AvailabilityCount,
  type AvailabilityReport,
  type FailoverClientOptions,
} from './workload/FailoverClient.js';
export { Workload, type WorkloadOptions, type WorkloadResult } from './workload/Workload.js';
export { Nemesis, type NemesisEvent, type NemesisTargets } from './nemesis/Nemesis.js';
export {
  allLags,
  conflictSeries,
  failureSeries,
  lagSeries,
  throughputSeries,
} from './report/timeSeries.js';
export {
  availabilityRows,
  chaosReport,
  verdictRows,
  type ChaosSummary,
} from './report/chaosReport.js';
export { drainUntilConverged, type DrainState } from './run/drain.js';
export { chaosRun, type ChaosOptions, type ChaosResult } from './run/chaosRun.js';
export { verifyRegions, type VerifyOutcome } from './observe/verifyRegions.js';
