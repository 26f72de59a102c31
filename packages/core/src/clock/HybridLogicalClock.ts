import { ConcordError } from '../errors/ConcordError.js';
import { compareHlc, maxHlc, type Hlc } from './Hlc.js';

export interface HybridLogicalClockOptions {
  /** Physical clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * How far (ms) a remote timestamp may be ahead of the local physical clock before it is
   * refused with HLC_DRIFT_EXCEEDED instead of dragging this clock forward. Default 60 000.
   * `Infinity` disables the bound.
   */
  maxDriftMs?: number;
  /** The last timestamp issued before a restart, so the clock never repeats one. */
  initial?: Hlc;
}

/**
 * A hybrid logical clock (Kulkarni et al., 2014). Timestamps issued by one clock strictly
 * increase even when the physical clock jumps backwards; a timestamp stamped after some
 * parents is greater than every parent's. `wall` stays close to physical time, so the skew of
 * a remote clock can be measured and bounded.
 */
export class HybridLogicalClock {
  readonly maxDriftMs: number;
  private readonly physical: () => number;
  private latest: Hlc;

  constructor(options: HybridLogicalClockOptions = {}) {
    this.physical = options.now ?? Date.now;
    this.maxDriftMs = options.maxDriftMs ?? 60_000;
    this.latest = options.initial ?? { wall: 0, logical: 0 };
  }

  /** The last timestamp this clock issued (or was initialised with). */
  get last(): Hlc {
    return this.latest;
  }

  /** Stamps a local event or a send: greater than every timestamp issued so far. */
  now(): Hlc {
    const pt = Math.floor(this.physical());
    const last = this.latest;
    this.latest =
      pt > last.wall ? { wall: pt, logical: 0 } : { wall: last.wall, logical: last.logical + 1 };
    return this.latest;
  }

  /**
   * Takes a remote timestamp into account (a receive) and stamps the receiving event: the
   * result is greater than `remote` and than everything issued before.
   *
   * @throws ConcordError HLC_DRIFT_EXCEEDED when `remote.wall` is more than `maxDriftMs` ahead
   * of the physical clock; the clock is left unchanged.
   */
  receive(remote: Hlc): Hlc {
    const pt = Math.floor(this.physical());
    this.checkDrift(remote, pt);
    const last = this.latest;
    const wall = Math.max(pt, last.wall, remote.wall);
    let logical: number;
    if (wall === last.wall && wall === remote.wall)
      logical = Math.max(last.logical, remote.logical) + 1;
    else if (wall === last.wall) logical = last.logical + 1;
    else if (wall === remote.wall) logical = remote.logical + 1;
    else logical = 0;
    this.latest = { wall, logical };
    return this.latest;
  }

  /**
   * Stamps an event written after `parents` (the heads the writer saw, and any `causedBy`):
   * greater than every parent's timestamp and than the last one issued here.
   *
   * @throws ConcordError HLC_DRIFT_EXCEEDED as {@link receive}.
   */
  stampAfter(parents: Iterable<Hlc>): Hlc {
    const greatest = maxHlc(parents);
    return greatest === undefined ? this.now() : this.receive(greatest);
  }

  /**
   * How far (ms) `remote` is ahead of the local physical clock (negative when behind). An
   * upper bound of the remote clock's skew: transit time only makes it look further behind.
   */
  skewMs(remote: Hlc): number {
    return remote.wall - Math.floor(this.physical());
  }

  /** True when `remote` would be accepted by {@link receive} now. */
  withinDrift(remote: Hlc): boolean {
    return remote.wall - Math.floor(this.physical()) <= this.maxDriftMs;
  }

  private checkDrift(remote: Hlc, pt: number): void {
    const drift = remote.wall - pt;
    if (drift > this.maxDriftMs) {
      throw new ConcordError(
        'HLC_DRIFT_EXCEEDED',
        `remote clock is ${drift} ms ahead of the local clock (bound ${this.maxDriftMs} ms)`,
        {
          details: {
            remoteWall: remote.wall,
            localWall: pt,
            driftMs: drift,
            maxDriftMs: this.maxDriftMs,
          },
        },
      );
    }
  }
}

/** True when `child` is ordered strictly after every parent. */
export function isAfterAll(child: Hlc, parents: Iterable<Hlc>): boolean {
  for (const parent of parents) if (compareHlc(child, parent) <= 0) return false;
  return true;
}
