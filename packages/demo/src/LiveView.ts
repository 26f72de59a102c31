import { logUpdateStderr } from 'log-update';
import type { AvailabilityReport } from '@concord/chaos';
import type { CpuWindow } from '@concord/runner';
import type { LinkStatus } from '@concord/stack';
import type { RegionSample } from './sampleRegions.js';

export interface LiveFrame {
  readonly elapsedSec: number;
  readonly phase: string;
  readonly writesPerSec: Readonly<Record<string, number>>;
  readonly samples: readonly RegionSample[];
  readonly links: readonly LinkStatus[];
  /** What the clients saw: acknowledged / attempted writes per home region, failovers. */
  readonly availability?: AvailabilityReport;
  /** The deployment's CPU over the last window (every process serving it, /proc), and the
   * acknowledged writes/s (all regions) over the same window. */
  readonly cpu?: { readonly window: CpuWindow; readonly writesPerSec: number };
}

/** `1.23 cores (writer 0.20, mirror 0.31, …)`: the deployment's CPU, biggest kinds first. */
export function cpuLine(cpu: CpuWindow, writesPerSec: number): string {
  const kinds = Object.entries(cpu.cores)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, cores]) => `${kind} ${cores.toFixed(2)}`)
    .join(', ');
  const perWrite =
    writesPerSec > 0 ? `, ${((cpu.totalCores * 1000) / writesPerSec).toFixed(1)} CPU-ms/write` : '';
  return `cpu: ${cpu.totalCores.toFixed(2)} cores for ${writesPerSec.toFixed(0)} writes/s${perWrite} (${kinds})`;
}

/** `99.8%` of the writes homed in `region` acknowledged so far (anywhere), or `-`. */
function availabilityOf(frame: LiveFrame, region: string): string {
  const a = frame.availability?.byRegion[region];
  return a && a.attempted > 0 ? `${(100 * a.ratio).toFixed(1)}%` : '-';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** One frame of the live view as text lines. */
export function renderFrame(frame: LiveFrame): string[] {
  const lines = [`concord demo  +${frame.elapsedSec.toFixed(0)}s  ${frame.phase}`, ''];
  lines.push(
    `${pad('region', 7)}${pad('writes/s', 10)}${pad('acked', 8)}${pad('lag p50/p99 per origin (ms)', 40)}${pad('pending', 9)}${pad('conflicts open/resolved', 24)}`,
  );
  for (const s of frame.samples) {
    const lag = Object.entries(s.lag)
      .filter(([origin]) => origin !== s.region)
      .map(([origin, l]) => `${origin} ${l.p50}/${l.p99}`)
      .join('  ');
    lines.push(
      `${pad(s.region, 7)}${pad(String(frame.writesPerSec[s.region] ?? 0), 10)}${pad(availabilityOf(frame, s.region), 8)}${pad(s.reachable ? lag || '-' : 'unreachable', 40)}${pad(String(s.pending), 9)}${pad(`${s.conflictsOpen}/${s.conflictsResolved}`, 24)}`,
    );
  }
  const cut = frame.links.filter((l) => l.cut).map((l) => `${l.from}→${l.to}`);
  lines.push('', `links: ${cut.length === 0 ? 'all up' : `cut ${cut.join(' ')}`}`);
  if (frame.cpu) lines.push(cpuLine(frame.cpu.window, frame.cpu.writesPerSec));
  const a = frame.availability;
  if (a) {
    lines.push(
      `clients: ${a.overall.acked}/${a.overall.attempted} writes acknowledged, ${a.ackedAway} away from home; failovers ${a.failovers}, returns ${a.recoveries}`,
    );
  }
  return lines;
}

/**
 * The demo's live terminal view: redrawn in place on a TTY, one compact line per region every
 * few seconds otherwise (CI logs stay readable).
 */
export class LiveView {
  private lastPlain = 0;

  constructor(
    private readonly interactive: boolean,
    private readonly write: (line: string) => void,
    private readonly plainEverySec = 5,
  ) {}

  show(frame: LiveFrame): void {
    if (this.interactive) {
      logUpdateStderr(renderFrame(frame).join('\n'));
      return;
    }
    if (frame.elapsedSec - this.lastPlain < this.plainEverySec) return;
    this.lastPlain = frame.elapsedSec;
    for (const s of frame.samples) {
      const lag = Object.entries(s.lag)
        .filter(([origin]) => origin !== s.region)
        .map(([origin, l]) => `${origin}:${l.p50}/${l.p99}ms`)
        .join(' ');
      this.write(
        `+${frame.elapsedSec.toFixed(0)}s ${frame.phase} | ${s.region}: ${frame.writesPerSec[s.region] ?? 0} w/s, acked ${availabilityOf(frame, s.region)}, lag ${lag || '-'}, pending ${s.pending}, conflicts ${s.conflictsOpen} open/${s.conflictsResolved} resolved`,
      );
    }
    if (frame.cpu) {
      this.write(
        `+${frame.elapsedSec.toFixed(0)}s ${cpuLine(frame.cpu.window, frame.cpu.writesPerSec)}`,
      );
    }
  }

  /** Leaves the last frame on screen and prints `text` below it. */
  done(text: string): void {
    if (this.interactive) logUpdateStderr.done();
    this.write(text);
  }
}
