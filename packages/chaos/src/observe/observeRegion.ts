import type { ConcordConfig, RegionId } from '@concord/config';
import {
  canonicalJson,
  foldStream,
  sha256Hex,
  projectionStreamDigest,
  type DomainRegistry,
  type UnsignedEnvelope,
} from '@concord/core';
import { createPool } from '@concord/postgres';
import type { AppliedEvent, RegionObservation, StreamDigestRow } from '../checker/History.js';

interface EventRow {
  id: string;
  stream: string;
  type: string;
  origin: string;
  parents: string[];
  caused_by: string | null;
  applied_seq: string;
  idempotency_noop: boolean;
  applied_at: Date;
  envelope: UnsignedEnvelope;
}

/** Hash of what the fold reads from an event, to compare copies of one id across regions. */
export function foldContentHash(e: UnsignedEnvelope): string {
  return sha256Hex(
    canonicalJson({
      type: e.type,
      data: e.data,
      parents: [...e.parents].sort(),
      origin: e.origin,
      hlc: e.hlc,
    }),
  );
}

/**
 * Reads everything the checker needs from one region's Postgres: the applied log, the
 * projection's own digests and heads, conflicts, balances — and folds every stream again from
 * its stored events, independently of the projection's state.
 */
export async function observeRegion(
  config: ConcordConfig,
  region: RegionId,
  registry: DomainRegistry,
): Promise<RegionObservation> {
  const pool = createPool(config.byRegion[region]!.postgres.url, {
    max: 2,
    applicationName: 'concord-chaos-observe',
  });
  try {
    const events = await pool.query<EventRow>(
      `select id, stream, type, origin, parents, caused_by, applied_seq, idempotency_noop, applied_at, envelope
         from projection.events order by applied_seq`,
    );
    const applied: AppliedEvent[] = events.rows.map((r) => {
      const value = (r.envelope.data as { value?: unknown }).value;
      const acceptedAt = Date.parse(
        String((r.envelope.meta as { acceptedAt?: unknown }).acceptedAt ?? ''),
      );
      return {
        eventId: r.id,
        stream: r.stream,
        type: r.type,
        origin: r.origin,
        parents: r.parents,
        ...(r.caused_by ? { causedBy: r.caused_by } : {}),
        appliedSeq: Number(r.applied_seq),
        idempotencyNoop: r.idempotency_noop,
        ...(typeof r.envelope.idempotencyKey === 'string'
          ? { idempotencyKey: r.envelope.idempotencyKey }
          : {}),
        ...(typeof value === 'string' ? { value } : {}),
        contentHash: foldContentHash(r.envelope),
        ...(Number.isFinite(acceptedAt) ? { acceptedAt } : {}),
        appliedAt: r.applied_at.getTime(),
      };
    });
    const byStream = new Map<string, UnsignedEnvelope[]>();
    for (const r of events.rows) {
      const list = byStream.get(r.stream) ?? [];
      list.push(r.envelope);
      byStream.set(r.stream, list);
    }
    const recomputed: StreamDigestRow[] = [];
    for (const [stream, list] of byStream) {
      try {
        const fold = foldStream(list, registry.forStream(stream).reducer, { stream });
        const d = projectionStreamDigest(
          stream,
          list.map((e) => e.id),
          fold.state,
        );
        recomputed.push({
          stream,
          eventSetHash: d.eventSetHash,
          stateHash: d.stateHash,
          heads: fold.heads,
        });
      } catch (error) {
        // A causal gap in the stored events: report it as a digest no other region can match.
        recomputed.push({
          stream,
          eventSetHash: `unfoldable:${(error as Error).message}`,
          stateHash: 'unfoldable',
        });
      }
    }
    const streams = await pool.query<{
      stream: string;
      ids_hash: string;
      state_hash: string;
      heads: string[];
    }>('select stream, ids_hash, state_hash, heads from projection.streams');
    const conflicts = await pool.query<{
      id: string;
      stream: string;
      heads: string[];
      status: string;
      resolved_by: string | null;
      detected_at: Date;
      resolved_at: Date | null;
    }>(
      'select id, stream, heads, status, resolved_by, detected_at, resolved_at from projection.conflicts',
    );
    const balances = await pool.query<{ stream: string; balance: string }>(
      'select stream, balance from projection.account_balances',
    );
    return {
      region,
      applied,
      events: events.rows.map((r) => r.envelope),
      streams: streams.rows.map((s) => ({
        stream: s.stream,
        eventSetHash: s.ids_hash,
        stateHash: s.state_hash,
        heads: s.heads,
      })),
      recomputed,
      conflicts: conflicts.rows.map((c) => ({
        id: c.id,
        stream: c.stream,
        heads: c.heads,
        status: c.status,
        ...(c.resolved_by ? { resolvedBy: c.resolved_by } : {}),
        detectedAt: c.detected_at.getTime(),
        ...(c.resolved_at ? { resolvedAt: c.resolved_at.getTime() } : {}),
      })),
      balances: balances.rows.map((b) => ({ stream: b.stream, balance: Number(b.balance) })),
    };
  } finally {
    await pool.end();
  }
}
