import { readRegionKeys, topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  createSigner,
  serializeEnvelope,
  signEnvelope,
  type Envelope,
  type EnvelopeSigner,
  type JsonObject,
  type UnsignedEnvelope,
  withRetry,
} from '@concord/core';
import { createKafka, EventProducer, type OutgoingRecord } from '@concord/kafka';
import { createPool, type pg } from '@concord/postgres';

/*
 * Signed events on the local stack, the way the regions' writers produce them: signers from
 * the stack's key files, one producer per region's cluster, and a pool on a region's
 * projection database to see what its mirror applied.
 */

/** Signers of every region, from the stack's key files. */
export function signers(config: ConcordConfig): Map<RegionId, EnvelopeSigner> {
  return new Map(
    config.regions.map((r) => [r, createSigner(r, readRegionKeys(config, r).privateKeyPem!)]),
  );
}

/** Signs as the origin (merges too), stamping `meta.acceptedAt` now. */
export function signAll(
  config: ConcordConfig,
  events: readonly UnsignedEnvelope[],
  meta: JsonObject = {},
): Envelope[] {
  const keys = signers(config);
  return events.map((e) =>
    signEnvelope(
      { ...e, meta: { ...e.meta, acceptedAt: new Date().toISOString(), ...meta } },
      keys.get(e.origin)!,
    ),
  );
}

/** The record of an envelope on its origin's events topic (key = stream). */
export function eventRecord(
  config: ConcordConfig,
  envelope: Envelope,
  topic?: string,
): OutgoingRecord {
  return {
    topic: topic ?? topics(config).events(envelope.origin),
    key: envelope.stream,
    value: serializeEnvelope(envelope),
    headers: { id: envelope.id, origin: envelope.origin, type: envelope.type },
  };
}

/** One producer per region's own cluster (as each region's writer would use). */
export class RegionProducers {
  private readonly producers = new Map<RegionId, EventProducer>();

  constructor(private readonly config: ConcordConfig) {}

  of(region: RegionId): EventProducer {
    let p = this.producers.get(region);
    if (!p) {
      p = new EventProducer(
        createKafka({
          clientId: `mirror-test-producer-${region}`,
          brokers: this.config.byRegion[region]!.kafka.brokers,
        }),
      );
      this.producers.set(region, p);
    }
    return p;
  }

  /**
   * Produces records to the cluster of `region`, waiting for every acknowledgement; retries a
   * while when the broker is unavailable (another test run may pause a broker of the stack).
   */
  async send(region: RegionId, records: readonly OutgoingRecord[]): Promise<void> {
    await withRetry(
      async () => {
        const p = this.of(region);
        await Promise.all(records.map((r) => p.send(r)));
      },
      { attempts: 30, initialDelayMs: 200, maxDelayMs: 2000 },
    );
  }

  /** Produces each envelope to its origin's events topic (on the origin's cluster). */
  async sendEvents(envelopes: readonly Envelope[]): Promise<void> {
    const byRegion = new Map<RegionId, OutgoingRecord[]>();
    for (const e of envelopes) {
      const list = byRegion.get(e.origin) ?? [];
      list.push(eventRecord(this.config, e));
      byRegion.set(e.origin, list);
    }
    await Promise.all([...byRegion].map(([region, records]) => this.send(region, records)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.values()].map((p) => p.disconnect()));
  }
}

/** A small pool on a region's projection database. */
export function regionPool(config: ConcordConfig, region: RegionId): pg.Pool {
  return createPool(config.byRegion[region]!.postgres.url, {
    max: 2,
    applicationName: 'mirror-test',
  });
}
