/**
 * The naive replication baseline's consumer of one region, as its own process (so its CPU is
 * measured like a service's): a plain kafkajs consumer reading every region's naive topic —
 * remote ones over the WAN link proxies — and a batched `insert … on conflict do nothing`
 * into the region's database. No verification, ordering or causality: the floor of what any
 * replication costs on these brokers and databases (docs/performance.md).
 * argv: JSON { region, pgUrl, sources: [{ topic, brokers }] }.
 */
import { createConsumer, createKafka } from '@concord/kafka';
import { createPool } from '@concord/postgres';

interface Args {
  region: string;
  pgUrl: string;
  groupId: string;
  sources: { topic: string; brokers: string[] }[];
}
const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const pool = createPool(args.pgUrl, { max: 2, applicationName: 'concord-bench-naive' });
const consumers = args.sources.map((s, i) =>
  // The same consumer settings as the mirror's (fetch max wait, heartbeats), so the idle
  // cost of waiting for records weighs the same on both.
  createConsumer(createKafka({ clientId: `naive-${args.region}-${i}`, brokers: s.brokers }), {
    groupId: `${args.groupId}-${i}`,
  }),
);
await Promise.all(
  consumers.map(async (consumer, i) => {
    await consumer.connect();
    await consumer.subscribe({ topic: args.sources[i]!.topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const ids: string[] = [];
        const at: string[] = [];
        const data: string[] = [];
        for (const m of batch.messages) {
          ids.push(m.key?.toString() ?? `${batch.topic}-${batch.partition}-${m.offset}`);
          at.push(new Date(Number(m.timestamp)).toISOString());
          data.push(m.value?.toString() ?? '');
        }
        if (ids.length === 0) return;
        await pool.query(
          `insert into bench_naive.events (id, produced_at, data)
           select * from unnest($1::text[], $2::timestamptz[], $3::text[])
           on conflict do nothing`,
          [ids, at, data],
        );
      },
    });
  }),
);
process.on('message', (message: string) => {
  if (message !== 'stop') return;
  void Promise.allSettled(consumers.map((c) => c.disconnect()))
    .then(() => pool.end())
    .then(() => process.exit(0));
});
process.send?.('ready');
