/** @concord/bench — micro-benchmarks of the pure core (`concord bench core`). */
export { runCoreBench, type CoreBenchOptions, type CoreBenchResult } from './runCoreBench.js';
export {
  runConvergenceBench,
  type ConvergenceBenchOptions,
  type ConvergenceBenchResult,
} from './convergenceBench.js';
export { runWriterBench } from './writerBench.js';
export { BENCH_NAMES, renderBenchReport, type BenchName } from './benchReport.js';
export { runMirrorBench, type MirrorBenchOptions, type MirrorBenchResult } from './mirrorBench.js';
export {
  campaignRun,
  summarizeChaosCampaign,
  type ChaosCampaign,
  type ChaosCampaignRun,
} from './chaosCampaign.js';
export {
  runSystemBench,
  type SystemBenchOptions,
  type SystemBenchResult,
} from './system/systemBench.js';
export { renderSystemSection, stepRows, systemRows } from './system/systemReport.js';
export { summarizeProfiles } from './system/profileSummary.js';
export { topCosts, type ProfileCost } from './system/cpuProfile.js';
