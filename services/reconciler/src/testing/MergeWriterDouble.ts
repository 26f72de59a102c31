import { readRegionKeys, topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  ConcordError,
  createSigner,
  importPrivateKey,
  isMergeEvent,
  serializeEnvelope,
  signEnvelope,
  type Envelope,
  type EventId,
  type UnsignedEnvelope,
} from '@concord/core';
import { createKafka, EventProducer } from '@concord/kafka';

/**
 * What the writer's `POST /v1/admin/merges` does, for integration tests of the reconciler
 * alone: sign the merge as this region (origin unchanged) and produce it to the region's events
 * topic; a merge id seen before answers `duplicate: true`. Also produces ordinary test events.
 */
export class MergeWriterDouble {
  readonly appended: Envelope[] = [];
  private readonly seen = new Set<EventId>();
  private readonly producer: EventProducer;
  private readonly signer;
  private readonly topic: string;
  down = false;

  constructor(
    config: ConcordConfig,
    readonly region: RegionId,
  ) {
    const keys = readRegionKeys(config, region);
    this.signer = createSigner(region, importPrivateKey(keys.privateKeyPem!));
    this.topic = topics(config).events(region);
    this.producer = new EventProducer(
      createKafka({
        clientId: `reconciler-test-writer-${region}`,
        brokers: config.byRegion[region]!.kafka.brokers,
      }),
    );
  }

  async appendMerge(merge: UnsignedEnvelope): Promise<{ event: Envelope; duplicate: boolean }> {
    if (this.down)
      throw new ConcordError('TIMEOUT', 'writer double is down', {
        details: { unreachable: true },
      });
    if (!isMergeEvent(merge) || merge.parents.length < 2) {
      throw new ConcordError('VALIDATION_FAILED', 'not a merge');
    }
    const event = signEnvelope(merge, this.signer);
    if (this.seen.has(merge.id)) return { event, duplicate: true };
    await this.append(event);
    this.seen.add(merge.id);
    return { event, duplicate: false };
  }

  /** Signs and produces any event (as the writer of this region would). */
  async write(event: UnsignedEnvelope): Promise<Envelope> {
    const signed = signEnvelope(event, this.signer);
    await this.append(signed);
    return signed;
  }

  private async append(event: Envelope): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      key: event.stream,
      value: serializeEnvelope(event),
    });
    this.appended.push(event);
  }

  async healthy(): Promise<void> {
    if (this.down)
      throw new ConcordError('TIMEOUT', 'writer double is down', {
        details: { unreachable: true },
      });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
