/** One cross-region comparison, as the convergence clock needs it. */
export interface ComparisonOutcome {
  /** When the compared digests were read (ms since the epoch). */
  readonly at: number;
  /** Every region answered and every digest was equal. */
  readonly converged: boolean;
  /** Every region answered. */
  readonly allReachable: boolean;
  /**
   * The newest accept time (ms) of a client write to the streams that differed since the last
   * converged comparison — "the last write" the regions had to agree on (merges excluded: they
   * are the convergence, not its cause).
   */
  readonly lastWriteAt: number | undefined;
}

/**
 * Measures `concord_convergence_seconds` (pure): when a comparison finds every region equal
 * after one that did not, the regions took `at − anchor` seconds to converge, where the anchor
 * is the later of the heal (the last time a region became reachable again after a failed
 * comparison) and the last write to the streams that differed. A region that cannot be
 * reached is never converged.
 */
export class ConvergenceClock {
  private diverged = false;
  private unreachableSeen = false;
  private healedAt: number | undefined;
  private last: number | undefined;

  /** The last measurement, in seconds, if any. */
  get lastSeconds(): number | undefined {
    return this.last;
  }

  /** Feeds a comparison; returns the new measurement when this one ends a divergence. */
  observe(outcome: ComparisonOutcome): number | undefined {
    if (!outcome.allReachable) {
      this.unreachableSeen = true;
      this.diverged = true;
      return undefined;
    }
    if (this.unreachableSeen) {
      this.unreachableSeen = false;
      this.healedAt = outcome.at;
    }
    if (!outcome.converged) {
      this.diverged = true;
      return undefined;
    }
    if (!this.diverged) return undefined;
    this.diverged = false;
    const anchors = [this.healedAt, outcome.lastWriteAt].filter(
      (t): t is number => t !== undefined && t <= outcome.at,
    );
    this.healedAt = undefined;
    if (anchors.length === 0) return undefined;
    this.last = (outcome.at - Math.max(...anchors)) / 1000;
    return this.last;
  }
}
