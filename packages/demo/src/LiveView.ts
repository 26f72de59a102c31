import { logUpdateStderr } from 'log-update';
import type { LinkStatus } from '@concord/stack';
import type { RegionSample } from './sampleRegions.js';

export interface LiveFrame {
  readonly elapsedSec: number;
  readonly phase: string;
  readonly writesPerSec: Readonly<Record<string, number>>;
  readonly samples: readonly RegionSample[];
  readonly links: readonly LinkStatus[];
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** One frame of the live view as text lines. */
export function renderFrame(frame: LiveFrame): string[] {
  const lines = [`concord demo  +${frame.elapsedSec.toFixed(0)}s  ${frame.phase}`, ''];
  lines.push(
    `${pad('region', 7)}${pad('writes/s', 10)}${pad('lag p50/p99 per origin (ms)', 40)}${pad('pending', 9)}${pad('conflicts open/resolved', 24)}`,
  );
  for (const s of frame.samples) {
    const lag = Object.entries(s.lag)
      .filter(([origin]) => origin !== s.region)
      .map(([origin, l]) => `${origin} ${l.p50}/${l.p99}`)
      .join('  ');
    lines.push(
      `${pad(s.region, 7)}${pad(String(frame.writesPerSec[s.region] ?? 0), 10)}${pad(s.reachable ? lag || '-' : 'unreachable', 40)}${pad(String(s.pending), 9)}${pad(`${s.conflictsOpen}/${s.conflictsResolved}`, 24)}`,
    );
  }
  const cut = frame.links.filter((l) => l.cut).map((l) => `${l.from}→${l.to}`);
  lines.push('', `links: ${cut.length === 0 ? 'all up' : `cut ${cut.join(' ')}`}`);
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
        `+${frame.elapsedSec.toFixed(0)}s ${frame.phase} | ${s.region}: ${frame.writesPerSec[s.region] ?? 0} w/s, lag ${lag || '-'}, pending ${s.pending}, conflicts ${s.conflictsOpen} open/${s.conflictsResolved} resolved`,
      );
    }
  }

  /** Leaves the last frame on screen and prints `text` below it. */
  done(text: string): void {
    if (this.interactive) logUpdateStderr.done();
    this.write(text);
  }
}
