import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '@concord/core';
import { httpJson } from './httpJson.js';
import type {
  DigestIdsResponse,
  DigestRollupsResponse,
  DigestStreamsResponse,
  EventsResponse,
  MergeAppendResponse,
} from './wire.js';

/** Query strings stay under this length (a URL must fit in a request line). */
const MAX_QUERY_CHARS = 6000;

/** Splits `items` into comma-joined groups that each fit in a query string. */
export function queryChunks(items: readonly string[], max = MAX_QUERY_CHARS): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const item of items) {
    const cost = encodeURIComponent(item).length + 3;
    if (current.length > 0 && length + cost > max) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(item);
    length += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const list = (items: readonly (string | number)[]) =>
  items.map((i) => encodeURIComponent(String(i))).join(',');

/** Another region's reconciler (admin token), for digests, ids, events and probes. */
export class PeerClient {
  constructor(
    readonly region: RegionId,
    readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async ready(timeoutMs: number): Promise<void> {
    await httpJson(`${this.url}/readyz`, { timeoutMs });
  }

  async rollups(maxAgeMs: number): Promise<DigestRollupsResponse> {
    return (
      await httpJson<DigestRollupsResponse>(`${this.url}/v1/digest?maxAgeMs=${maxAgeMs}`, {
        token: this.token,
        timeoutMs: this.timeoutMs,
      })
    ).body;
  }

  async streamDigests(buckets: readonly number[], maxAgeMs: number) {
    const streams: DigestStreamsResponse['streams'][number][] = [];
    for (const chunk of queryChunks(buckets.map(String))) {
      const { body } = await httpJson<DigestStreamsResponse>(
        `${this.url}/v1/digest?maxAgeMs=${maxAgeMs}&buckets=${list(chunk)}`,
        { token: this.token, timeoutMs: this.timeoutMs },
      );
      streams.push(...body.streams);
    }
    return streams;
  }

  async streamIds(streams: readonly StreamId[]): Promise<DigestIdsResponse['streams']> {
    const result: Record<StreamId, DigestIdsResponse['streams'][string]> = {};
    for (const chunk of queryChunks(streams)) {
      const { body } = await httpJson<DigestIdsResponse>(
        `${this.url}/v1/digest?streams=${list(chunk)}`,
        { token: this.token, timeoutMs: this.timeoutMs },
      );
      Object.assign(result, body.streams);
    }
    return result;
  }

  async events(ids: readonly EventId[]): Promise<EventsResponse['events']> {
    const events: EventsResponse['events'][number][] = [];
    for (const chunk of queryChunks(ids)) {
      const { body } = await httpJson<EventsResponse>(`${this.url}/v1/events?ids=${list(chunk)}`, {
        token: this.token,
        timeoutMs: this.timeoutMs,
      });
      events.push(...body.events);
    }
    return events;
  }
}

/** The region's writer: appends merges (`POST /v1/admin/merges`, admin token). */
export class WriterAdminClient {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  async appendMerge(merge: UnsignedEnvelope, traceparent?: string): Promise<MergeAppendResponse> {
    return (
      await httpJson<MergeAppendResponse>(`${this.url}/v1/admin/merges`, {
        method: 'POST',
        token: this.token,
        body: { merge },
        timeoutMs: this.timeoutMs,
        ...(traceparent ? { headers: { traceparent } } : {}),
      })
    ).body;
  }

  async healthy(timeoutMs: number): Promise<void> {
    await httpJson(`${this.url}/healthz`, { timeoutMs });
  }
}

/** The region's mirror: recomputes streams from their stored events (admin token). */
export class MirrorAdminClient {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 30_000,
  ) {}

  async recompute(
    streams: readonly StreamId[],
  ): Promise<{ results: { stream: StreamId; changed: boolean }[]; changed: number }> {
    const results: { stream: StreamId; changed: boolean }[] = [];
    for (let i = 0; i < streams.length; i += 1000) {
      const { body } = await httpJson<{ results: { stream: StreamId; changed: boolean }[] }>(
        `${this.url}/v1/admin/recompute`,
        {
          method: 'POST',
          token: this.token,
          body: { streams: streams.slice(i, i + 1000) },
          timeoutMs: this.timeoutMs,
        },
      );
      results.push(...body.results);
    }
    return { results, changed: results.filter((r) => r.changed).length };
  }
}
