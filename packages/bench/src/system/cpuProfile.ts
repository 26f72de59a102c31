/**
 * Top self-time costs of a V8 `.cpuprofile` (what `node --cpu-prof` writes), pure: the part of
 * `concord bench system --profile` that docs/performance.md's per-service tables come from.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface ProfileCost {
  /** `function (file:line)`, with the file shortened to its package-relative path. */
  readonly frame: string;
  readonly selfMs: number;
  /** Share of all samples, 0..1. */
  readonly share: number;
}

/** Shortens a frame's URL: `…/node_modules/.pnpm/x@1/node_modules/x/lib/a.js` → `x/lib/a.js`. */
export function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const m = /\/(packages|services)\/(.+)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '') || '(native)';
}

/**
 * Self time per frame (same function at the same place merged), biggest first. Time per
 * sample is the profile's duration over its sample count; idle/program/GC keep their names.
 */
export function topCosts(profile: CpuProfile, top = 15): ProfileCost[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const h = node.hitCount ?? 0;
    if (h === 0) continue;
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    const frame = f.url ? `${name} (${shortUrl(f.url)}:${f.lineNumber + 1})` : name;
    hits.set(frame, (hits.get(frame) ?? 0) + h);
    total += h;
  }
  if (total === 0) return [];
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / total;
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, h]) => ({
      frame,
      selfMs: Math.round(h * msPerSample),
      share: Math.round((h / total) * 1000) / 1000,
    }));
}
