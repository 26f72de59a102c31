/**
 * A hybrid logical clock timestamp: `wall` is milliseconds since the epoch (the largest
 * physical time seen), `logical` orders events that share a `wall`.
 */
export interface Hlc {
  readonly wall: number;
  readonly logical: number;
}

/** Total order of timestamps: by `wall`, then `logical`. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.logical - b.logical;
}

/** The greatest of the timestamps, or `undefined` for none. */
export function maxHlc(stamps: Iterable<Hlc>): Hlc | undefined {
  let max: Hlc | undefined;
  for (const stamp of stamps) if (max === undefined || compareHlc(stamp, max) > 0) max = stamp;
  return max;
}

/**
 * The smallest timestamp greater than `hlc`. A merge event takes the successor of its greatest
 * parent, which makes its hlc a pure function of its parents (no local clock involved).
 */
export function hlcSuccessor(hlc: Hlc): Hlc {
  return { wall: hlc.wall, logical: hlc.logical + 1 };
}

/** `wall.logical`, e.g. `1767225600000.3`, for logs and messages. */
export function formatHlc(hlc: Hlc): string {
  return `${hlc.wall}.${hlc.logical}`;
}
