import {
  safeParseEnvelope,
  serializeEnvelope,
  verifyEnvelopes,
  type Envelope,
  type EventId,
  type RegionKeyring,
} from '@concord/core';
import type { EventProducer } from '@concord/kafka';

/** Where copied events go: this region's repair topic. */
export interface RepairSink {
  /** Produces the envelopes (acks=all) to the repair topic, unchanged. */
  send(envelopes: readonly Envelope[]): Promise<void>;
}

/** Produces to `<ns>.repair.<region>` on the region's own Kafka, keyed by stream. */
export class KafkaRepairSink implements RepairSink {
  constructor(
    private readonly producer: EventProducer,
    private readonly topic: string,
    private readonly region: string,
  ) {}

  async send(envelopes: readonly Envelope[]): Promise<void> {
    await Promise.all(
      envelopes.map((envelope) =>
        this.producer.send({
          topic: this.topic,
          key: envelope.stream,
          value: serializeEnvelope(envelope),
          headers: { 'concord-repaired-by': this.region },
        }),
      ),
    );
  }
}

/**
 * Keeps, of the envelopes a peer sent, those that were asked for, are valid envelopes and carry
 * a signature this region's keyring verifies — a peer cannot inject anything through a repair
 * (the mirror verifies again, as for any record).
 */
export async function acceptRepairs(
  received: readonly unknown[],
  asked: ReadonlySet<EventId>,
  keyring: RegionKeyring,
  maxBytes: number,
): Promise<{ accepted: Envelope[]; rejected: { id: string; reason: string }[] }> {
  const parsed: Envelope[] = [];
  const rejected: { id: string; reason: string }[] = [];
  for (const value of received) {
    const id = String((value as { id?: unknown } | null)?.id ?? '?');
    const result = safeParseEnvelope(value, { maxBytes });
    if (!result.ok) rejected.push({ id, reason: result.error.message });
    else if (!asked.has(result.envelope.id)) rejected.push({ id, reason: 'not asked for' });
    else parsed.push(result.envelope);
  }
  const verdicts = await verifyEnvelopes(parsed, keyring);
  const accepted: Envelope[] = [];
  verdicts.forEach((verdict, i) => {
    const envelope = parsed[i]!;
    if (verdict.ok) accepted.push(envelope);
    else rejected.push({ id: envelope.id, reason: verdict.error.message });
  });
  return { accepted, rejected };
}
