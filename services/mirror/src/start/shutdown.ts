import type { EventProducer } from '@concord/kafka';
import type { pg } from '@concord/postgres';
import type { FastifyInstance } from '@concord/http';
import type { Logger } from '@concord/telemetry';
import type { Applier } from '../apply/Applier.js';
import type { SourceConsumer } from '../consume/SourceConsumer.js';
import type { VerifierPool } from '../consume/VerifierPool.js';
import type { OutboxPublisher } from '../feed/OutboxPublisher.js';
import type { SourceMetrics } from '../telemetry/sourceMetrics.js';
import type { BackgroundLoops } from './backgroundLoops.js';

/** Everything a running mirror closes. */
export interface MirrorParts {
  readonly loops: BackgroundLoops;
  readonly consumers: readonly SourceConsumer[];
  readonly applier: Applier;
  readonly verifier: VerifierPool;
  readonly app: FastifyInstance;
  readonly sourceMetrics: SourceMetrics;
  readonly publisher: OutboxPublisher | undefined;
  readonly producer: EventProducer;
  readonly pool: pg.Pool;
  readonly logger: Logger;
}

/**
 * Closes a mirror in the order that loses nothing: stop fetching, let queued transactions
 * commit, leave the consumer groups, stop the verifier and the HTTP server (then the admin
 * clients of the backlog readings), wait for the background loops, publish what was committed,
 * and only then release Kafka and Postgres.
 */
export async function closeMirror(parts: MirrorParts): Promise<void> {
  const { consumers } = parts;
  parts.loops.stop();
  await Promise.all(consumers.map((c) => c.quiesce()));
  await parts.applier.close();
  await Promise.all(consumers.map((c) => c.disconnect()));
  await parts.verifier.close();
  await parts.app.close();
  await parts.sourceMetrics.close();
  await parts.loops.done();
  await parts.publisher?.stop();
  await parts.producer.disconnect();
  await parts.pool.end();
  parts.logger.info('mirror stopped');
}
