/**
 * @concord/demo — `concord demo`: the three-region scenario with a WAN cut, a live view, and a
 * report proving convergence.
 */
export { DemoWorkload } from './DemoWorkload.js';
export { demoReport, type DemoSample } from './demoReport.js';
export { demoRun, type DemoOptions, type DemoResult } from './demoRun.js';
export { LiveView, renderFrame, type LiveFrame } from './LiveView.js';
export { RegionSampler, type RegionSample } from './sampleRegions.js';
