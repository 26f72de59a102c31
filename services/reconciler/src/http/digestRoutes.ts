import type {} from '@fastify/swagger';
import { ConcordError, UUID_PATTERN, type RegionId } from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import type { DigestSnapshot, LocalDigests } from '../antiEntropy/LocalDigests.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';
import type {
  DigestIdsResponse,
  DigestRollupsResponse,
  DigestStreamsResponse,
  EventsResponse,
} from './wire.js';

export interface DigestRoutesDeps {
  readonly region: RegionId;
  readonly digests: LocalDigests;
  readonly store: ReconcilerStore;
}

const common = { tags: ['digests'], security: [{ bearer: [] }] };

function splitList(value: string | undefined, field: string, max: number): string[] {
  const items = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length > max) {
    throw new ConcordError('VALIDATION_FAILED', `at most ${max} ${field} per request`, {
      details: { field },
    });
  }
  return [...new Set(items)];
}

export function rollupsResponse(snapshot: DigestSnapshot): DigestRollupsResponse {
  return {
    region: snapshot.region,
    computedAt: new Date(snapshot.computedAt).toISOString(),
    streams: snapshot.streamCount,
    events: snapshot.eventCount,
    buckets: Object.fromEntries(Object.entries(snapshot.rollups)),
    offsets: Object.fromEntries([...snapshot.offsets].map(([k, v]) => [k, v.toString()])),
    projection: {
      mismatches: snapshot.mismatches,
      bucketMismatches: snapshot.bucketMismatches,
      unverified: snapshot.unverified,
    },
  };
}

/**
 * `GET /v1/digest` (the anti-entropy exchange; also what `concord verify` compares) and
 * `GET /v1/events?ids=` (stored signed envelopes, for pull repair).
 */
export function registerDigestRoutes(app: FastifyInstance, deps: DigestRoutesDeps): void {
  app.get<{ Querystring: { buckets?: string; streams?: string; maxAgeMs?: string } }>(
    '/v1/digest',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary: "This region's digests, computed from its events (never from its stored state)",
        description:
          'Without parameters: the bucket roll-ups, the consumed source offsets and the stored rows that disagree with the independent fold. `?buckets=1,2`: the stream digests of those buckets. `?streams=a,b`: per stream the applied ids (with the source the mirror read them from) and the parked ids. `maxAgeMs` (default 1000; 0 = fresh) bounds the age of the snapshot used.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            buckets: { type: 'string', maxLength: 2000, pattern: '^[0-9]{1,3}(,[0-9]{1,3})*$' },
            streams: { type: 'string', maxLength: 60_000 },
            maxAgeMs: { type: 'string', pattern: '^[0-9]{1,9}$' },
          },
        },
      },
    },
    async (request) => {
      const { buckets, streams } = request.query;
      if (buckets !== undefined && streams !== undefined) {
        throw new ConcordError('VALIDATION_FAILED', 'ask for buckets or streams, not both', {
          details: { field: 'buckets' },
        });
      }
      if (streams !== undefined) {
        const list = splitList(streams, 'streams', 1000);
        const ids = await deps.store.streamIds(list);
        const body: DigestIdsResponse = { region: deps.region, streams: Object.fromEntries(ids) };
        return body;
      }
      const snapshot = await deps.digests.snapshot(Number(request.query.maxAgeMs ?? 1000));
      if (buckets === undefined) return rollupsResponse(snapshot);
      const wanted = splitList(buckets, 'buckets', 256).map(Number);
      if (wanted.some((b) => b > 255)) {
        throw new ConcordError('VALIDATION_FAILED', 'buckets are 0–255', {
          details: { field: 'buckets' },
        });
      }
      const set = new Set(wanted);
      const body: DigestStreamsResponse = {
        region: deps.region,
        computedAt: new Date(snapshot.computedAt).toISOString(),
        buckets: [...set].sort((a, b) => a - b),
        streams: [...snapshot.digests.values()]
          .filter((d) => set.has(d.bucket))
          .sort((a, b) => (a.stream < b.stream ? -1 : 1))
          .map((d) => ({
            stream: d.stream,
            bucket: d.bucket,
            eventSetHash: d.eventSetHash,
            stateHash: d.stateHash,
            eventCount: d.eventCount,
            heads: d.heads,
          })),
      };
      return body;
    },
  );

  app.get<{ Querystring: { ids: string } }>(
    '/v1/events',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary: 'Stored signed envelopes by id (what another region copies for a repair)',
        querystring: {
          type: 'object',
          required: ['ids'],
          additionalProperties: false,
          properties: { ids: { type: 'string', minLength: 1, maxLength: 40_000 } },
        },
      },
    },
    async (request) => {
      const ids = splitList(request.query.ids, 'ids', 1000);
      const bad = ids.find((id) => !UUID_PATTERN.test(id));
      if (bad !== undefined) {
        throw new ConcordError('VALIDATION_FAILED', `not an event id: ${bad}`, {
          details: { field: 'ids' },
        });
      }
      const events = await deps.store.envelopes(ids);
      const found = new Set(events.map((e) => e.id));
      const body: EventsResponse = {
        region: deps.region,
        events,
        missing: ids.filter((id) => !found.has(id)),
      };
      return body;
    },
  );
}
