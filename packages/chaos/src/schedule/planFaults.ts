import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { ReplicationMode } from '@concord/config';
import { ConcordError, type RegionId } from '@concord/core';

/** The fault kinds of `concord chaos --faults`. */
export const FAULT_KINDS = [
  'partition',
  'latency',
  'kill',
  'pause',
  'redis',
  'postgres',
  'broker',
  'clock',
  // Last, so that filtering it out (direct mode) leaves the schedules of earlier seeds as they were.
  'mm2',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const SERVICE_NAMES = ['writer', 'mirror', 'reconciler'] as const;

/** One fault of the schedule, with what it does exactly (so a schedule is replayable). */
export type FaultAction =
  | {
      readonly kind: 'partition';
      readonly shape: 'one' | 'majority' | 'ring';
      readonly cuts: readonly (readonly [RegionId, RegionId, 'both' | 'oneway'])[];
    }
  | {
      readonly kind: 'latency';
      readonly a: RegionId;
      readonly b: RegionId;
      readonly ms: number;
      readonly jitterMs: number;
      readonly bitsPerSecond: number;
    }
  | { readonly kind: 'kill'; readonly service: string }
  | { readonly kind: 'pause'; readonly service: string }
  | { readonly kind: 'redis'; readonly region: RegionId }
  | { readonly kind: 'postgres' }
  | { readonly kind: 'broker'; readonly region: RegionId; readonly mode: 'kill' | 'stop' }
  | { readonly kind: 'clock'; readonly region: RegionId; readonly offsetMs: number }
  /** SIGKILL of the MirrorMaker 2 process replicating into `region` (mm2 stacks only). */
  | { readonly kind: 'mm2'; readonly region: RegionId };

export interface PlannedFault {
  readonly index: number;
  /** When the fault starts, ms after the run started. */
  readonly at: number;
  /** When it is healed, ms after the run started (always before the next fault). */
  readonly healAt: number;
  readonly action: FaultAction;
}

export interface PlanOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: readonly FaultKind[];
  readonly regions: readonly RegionId[];
  /** Fault-free time at the end of the run (before the drain). Default 15 s. */
  readonly quietMs?: number;
  /** Gap between fault starts, drawn uniformly. Default 10–15 s. */
  readonly gapMs?: readonly [number, number];
}

function int(rng: RandomGenerator, min: number, max: number): number {
  return uniformInt(rng, min, max);
}

/** Fisher–Yates with the seeded generator. */
function shuffle<T>(rng: RandomGenerator, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(rng, 0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function pick<T>(rng: RandomGenerator, items: readonly T[]): T {
  return items[int(rng, 0, items.length - 1)] as T;
}

function action(rng: RandomGenerator, kind: FaultKind, regions: readonly RegionId[]): FaultAction {
  const region = () => pick(rng, regions);
  const service = () => `${pick(rng, SERVICE_NAMES)}-${region()}`;
  switch (kind) {
    case 'partition': {
      const shapes =
        regions.length >= 3 ? (['one', 'majority', 'ring'] as const) : (['one'] as const);
      const shape = pick(rng, shapes);
      if (shape === 'majority') {
        const alone = region();
        return {
          kind,
          shape,
          cuts: regions.filter((r) => r !== alone).map((r) => [alone, r, 'both'] as const),
        };
      }
      if (shape === 'ring') {
        // Each region hears only from its predecessor: cut r[i] → r[i+1] one way.
        return {
          kind,
          shape,
          cuts: regions.map((r, i) => [r, regions[(i + 1) % regions.length]!, 'oneway'] as const),
        };
      }
      const a = region();
      const b = pick(
        rng,
        regions.filter((r) => r !== a),
      );
      return { kind, shape, cuts: [[a, b, 'both']] };
    }
    case 'latency': {
      const a = region();
      const b = pick(
        rng,
        regions.filter((r) => r !== a),
      );
      return {
        kind,
        a,
        b,
        ms: int(rng, 50, 400),
        jitterMs: int(rng, 0, 50),
        bitsPerSecond: pick(rng, [0, 2_000_000, 8_000_000]),
      };
    }
    case 'kill':
    case 'pause':
      return { kind, service: service() };
    case 'redis':
      return { kind, region: region() };
    case 'postgres':
      return { kind };
    case 'broker':
      return { kind, region: region(), mode: pick(rng, ['kill', 'stop'] as const) };
    case 'clock':
      return { kind, region: region(), offsetMs: pick(rng, [-1, 1]) * int(rng, 2_000, 20_000) };
    case 'mm2':
      return { kind, region: region() };
  }
}

/**
 * The fault schedule of a chaos run: a fault every 10–15 s drawn from `faults`, each healed
 * before the next starts, none in the final quiet period. A pure function of its options:
 * the same seed gives the same schedule.
 */
export function planFaults(options: PlanOptions): PlannedFault[] {
  if (options.faults.length === 0) return [];
  if (
    options.regions.length < 2 &&
    options.faults.some((f) => f === 'partition' || f === 'latency')
  ) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      'partition and latency faults need at least two regions',
    );
  }
  const rng = xoroshiro128plus(options.seed);
  const [minGap, maxGap] = options.gapMs ?? [10_000, 15_000];
  const end = options.durationMs - (options.quietMs ?? 15_000);
  const plan: PlannedFault[] = [];
  let at = int(rng, 3_000, 6_000);
  // Kinds are drawn as shuffled rounds (every kind once per round), so a run meets every kind
  // before any repeats: a 90 s run covers as many kinds as its faults allow.
  let round: FaultKind[] = [];
  while (at < end) {
    const gap = int(rng, minGap, maxGap);
    if (round.length === 0) round = shuffle(rng, [...new Set(options.faults)]);
    const kind = round.pop()!;
    // Heal leaves at least 2 s of calm before the next fault and never passes the quiet period.
    const healAt = Math.min(at + int(rng, Math.floor(gap * 0.4), gap - 2_000), end);
    if (healAt <= at) break;
    plan.push({ index: plan.length, at, healAt, action: action(rng, kind, options.regions) });
    at += gap;
  }
  return plan;
}

/** Parses `--faults a,b,c`, failing with the unknown names. */
export function parseFaultKinds(list: string): FaultKind[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(FAULT_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`,
    );
  }
  return names as FaultKind[];
}

/**
 * The fault kinds a run can inject into a stack replicating in `mode`: `mm2` needs MirrorMaker 2
 * processes, so a direct stack drops it (and lists it as skipped). The order is kept, so a
 * direct run's schedule is what it was before the `mm2` kind existed.
 */
export function faultsForMode(
  faults: readonly FaultKind[],
  mode: ReplicationMode,
): { faults: FaultKind[]; skipped: FaultKind[] } {
  const usable = (k: FaultKind) => k !== 'mm2' || mode === 'mm2';
  return { faults: faults.filter(usable), skipped: faults.filter((k) => !usable(k)) };
}

/** One line describing a fault, for the timeline. */
export function describeFault(action: FaultAction): string {
  switch (action.kind) {
    case 'partition':
      return `partition (${action.shape}): ${action.cuts.map(([a, b, d]) => `${a}${d === 'both' ? '↮' : '↛'}${b}`).join(' ')}`;
    case 'latency':
      return `latency ${action.a}↔${action.b} ${action.ms}ms ±${action.jitterMs}ms${action.bitsPerSecond ? `, ${action.bitsPerSecond / 1e6} Mbit/s` : ''}`;
    case 'kill':
      return `SIGKILL ${action.service}`;
    case 'pause':
      return `SIGSTOP ${action.service}`;
    case 'redis':
      return `restart Redis of ${action.region}`;
    case 'postgres':
      return 'restart Postgres';
    case 'broker':
      return `${action.mode === 'kill' ? 'SIGKILL' : 'stop'} Kafka broker ${action.region}`;
    case 'clock':
      return `writer ${action.region} clock ${action.offsetMs > 0 ? '+' : ''}${action.offsetMs} ms`;
    case 'mm2':
      return `SIGKILL MirrorMaker 2 into ${action.region}`;
  }
}
