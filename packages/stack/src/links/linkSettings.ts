import { ConcordError } from '@concord/core';
import type { RegionId } from '@concord/config';

/** How one WAN link behaves. Applies to each direction of every TCP stream on the link. */
export interface LinkSettings {
  /** Cut: existing connections destroyed, new ones accepted and blackholed. */
  readonly cut: boolean;
  /** One-way delay added to each direction, in ms. */
  readonly latencyMs: number;
  /** Each chunk's delay is latencyMs ± up to jitterMs (never reordering bytes). */
  readonly jitterMs: number;
  /** Token-bucket rate per direction in bits/s; 0 = unlimited. */
  readonly bandwidthBitsPerSecond: number;
}

export const HEALTHY_LINK: LinkSettings = {
  cut: false,
  latencyMs: 0,
  jitterMs: 0,
  bandwidthBitsPerSecond: 0,
};

/** The identity of a link: `from` = the broker's region, `to` = the reader region. */
export interface LinkId {
  readonly from: RegionId;
  readonly to: RegionId;
}

/** A link as `stack status` reports it. */
export interface LinkStatus extends LinkId, LinkSettings {
  readonly proxyPort: number;
  readonly upstreamPort: number;
  /** Connections currently forwarded to the broker. */
  readonly connections: number;
  /** Connections accepted while cut, swallowed until heal. */
  readonly blackholed: number;
  /** Bytes forwarded towards the broker / back to the clients since the daemon started. */
  readonly bytesToBroker: number;
  readonly bytesToClient: number;
}

export function linkKey(link: LinkId): string {
  return `${link.from}->${link.to}`;
}

function invalid(field: string, raw: string, expected: string): ConcordError {
  return new ConcordError('VALIDATION_FAILED', `${field}: "${raw}" is not ${expected}`, {
    details: { field, value: raw },
  });
}

/** Parses a delay such as `80ms`, `1.5s` or `0` into ms. */
export function parseDuration(raw: string, field = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(raw);
  if (!m) throw invalid(field, raw, 'a duration like 80ms or 1.5s');
  const value = Number(m[1]);
  if (m[2] === undefined && value !== 0)
    throw invalid(field, raw, 'a duration with a unit (ms or s)');
  const ms = m[2] === 's' ? value * 1000 : value;
  if (ms > 600_000) throw invalid(field, raw, 'at most 600s');
  return Math.round(ms);
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Parses a rate such as `1mbit`, `512kbit` (decimal, like tc) into bits/s; `0`/`off` = 0. */
export function parseRate(raw: string, field = 'rate'): number {
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/.exec(text);
  if (!m) throw invalid(field, raw, 'a rate like 1mbit, 512kbit, 10gbit, or 0/off');
  const bits = Math.round(Number(m[1]) * RATE_UNITS[m[2]!]!);
  if (bits < 8_000) throw invalid(field, raw, 'at least 8kbit');
  return bits;
}

/** `80ms`, `1.5s`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** `1mbit`, `512kbit`, `off`. */
export function formatRate(bits: number): string {
  if (bits <= 0) return 'off';
  for (const [unit, size] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bits >= size) return `${Number((bits / size).toFixed(3))}${unit}`;
  }
  return `${bits}bit`;
}

/** Checks a settings patch received over the control API. */
export function validateLinkPatch(patch: unknown): Partial<LinkSettings> {
  if (typeof patch !== 'object' || patch === null)
    throw invalid('patch', String(patch), 'an object');
  const out: { -readonly [K in keyof LinkSettings]?: LinkSettings[K] } = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'cut') {
      if (typeof value !== 'boolean') throw invalid(key, String(value), 'a boolean');
      out.cut = value;
    } else if (key === 'latencyMs' || key === 'jitterMs' || key === 'bandwidthBitsPerSecond') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw invalid(key, String(value), 'a number ≥ 0');
      }
      out[key] = value;
    } else {
      throw invalid(
        key,
        String(value),
        'a link setting (cut, latencyMs, jitterMs, bandwidthBitsPerSecond)',
      );
    }
  }
  return out;
}
