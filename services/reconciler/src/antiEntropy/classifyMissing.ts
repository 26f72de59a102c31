import {
  parseSourcePosition,
  type EventId,
  type RegionId,
  type SourcePosition,
  type StreamId,
} from '@concord/core';

/** One region's events of one stream, as its reconciler reports them. */
export interface StreamEventIds {
  /** Applied events, each with where this region's mirror read it (`topic:partition@offset`). */
  readonly events: readonly { readonly id: EventId; readonly source: string | null }[];
  /** Events parked by this region's causal gate (received, waiting for a dependency). */
  readonly pending: readonly EventId[];
  /**
   * Among `pending`, the events held for their schema version: received, but this region's
   * code cannot interpret them until it is upgraded. Absent from regions on older code.
   */
  readonly held?: readonly EventId[];
}

/** Why an event is missing in a region. */
export const MISSING_STATUS = {
  /** Received and parked by the causal gate: not missing, waiting for a dependency. */
  pending: 'pending',
  /**
   * Received and held: the region's code cannot interpret the event's schema version (or type)
   * yet. Not divergence: a version gap, closed by upgrading that region
   * (docs/schema-evolution.md).
   */
  schemaVersion: 'schema-version',
  /** The region's mirror has not consumed that far in the event's source: still in flight. */
  inFlight: 'in-flight',
  /** The region's mirror consumed past the event's source offset and does not hold it. */
  lost: 'lost',
  /** No comparable source offset: only time can tell (see DivergenceTracker). */
  unknown: 'unknown',
} as const;
export type MissingStatus = (typeof MISSING_STATUS)[keyof typeof MISSING_STATUS];

export interface MissingEvent {
  readonly region: RegionId;
  readonly stream: StreamId;
  readonly id: EventId;
  readonly status: MissingStatus;
  /** Regions holding it (applied), sorted: where a repair can copy it from. */
  readonly holders: readonly RegionId[];
}

/** `<topic>:<partition>@<offset>` as the mirror records an event's source (none: undefined). */
export function parseSource(source: string | null | undefined): SourcePosition | undefined {
  const parsed = parseSourcePosition(source);
  return parsed.ok ? parsed.position : undefined;
}

/**
 * Classifies every event some region lacks (pure). An event held by region H with source
 * `<ns>.events.<origin>:p@k` — an origin's events topic, the same topic at the same offsets for
 * every reader in `direct` mode — is in flight to region X while X's stored offset for that
 * partition is ≤ k, and lost once X consumed past it (X's offsets and applied set are committed
 * in one transaction, so this is not a race). Events parked in X are `pending` (or
 * `schema-version` when X's code cannot interpret them yet). Without a
 * comparable source (the holder got it from a repair topic, or `mm2` mode, where every region
 * but the origin reads its own copy: `readsDirectly`) the status is `unknown` and only the
 * progress rule of divergenceCandidates can confirm it.
 *
 * @param isOriginTopic true for `<ns>.events.<region>` names (offsets comparable across readers)
 * @param offsets per region, `topic:partition` → next offset to consume; absent when unknown
 */
export function classifyMissing(input: {
  readonly streams: ReadonlyMap<StreamId, Readonly<Record<RegionId, StreamEventIds>>>;
  readonly offsets: Readonly<Record<RegionId, ReadonlyMap<string, bigint> | undefined>>;
  readonly isOriginTopic: (topic: string) => boolean;
  /**
   * Whether `reader` consumes `topic` itself, so its stored offsets compare with the holder's
   * source offset. Default: every reader does (`direct` mode). In `mm2` mode only the origin
   * reads its own topic; every other region reads a copy with offsets of its own.
   */
  readonly readsDirectly?: (topic: string, reader: RegionId) => boolean;
}): MissingEvent[] {
  const result: MissingEvent[] = [];
  for (const [stream, byRegion] of [...input.streams].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const regions = Object.keys(byRegion).sort();
    const holders = new Map<EventId, RegionId[]>();
    const sources = new Map<EventId, SourcePosition>();
    const applied = new Map<RegionId, Set<EventId>>();
    for (const region of regions) {
      const view = byRegion[region]!;
      applied.set(region, new Set(view.events.map((e) => e.id)));
      for (const { id, source } of view.events) {
        holders.set(id, [...(holders.get(id) ?? []), region]);
        const parsed = parseSource(source);
        if (parsed && input.isOriginTopic(parsed.topic) && !sources.has(id))
          sources.set(id, parsed);
      }
    }
    for (const region of regions) {
      const have = applied.get(region)!;
      const parked = new Set(byRegion[region]!.pending);
      const held = new Set(byRegion[region]!.held ?? []);
      for (const [id, heldBy] of [...holders].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        if (have.has(id)) continue;
        let status: MissingStatus;
        const source = sources.get(id);
        const offsets = input.offsets[region];
        if (held.has(id)) status = MISSING_STATUS.schemaVersion;
        else if (parked.has(id)) status = MISSING_STATUS.pending;
        else if (source && offsets && (input.readsDirectly?.(source.topic, region) ?? true)) {
          const next = offsets.get(`${source.topic}:${source.partition}`);
          status =
            next !== undefined && next > source.offset
              ? MISSING_STATUS.lost
              : MISSING_STATUS.inFlight;
        } else status = MISSING_STATUS.unknown;
        result.push({ region, stream, id, status, holders: heldBy });
      }
    }
  }
  return result;
}
