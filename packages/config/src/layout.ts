/**
 * Default port layout of a Concord deployment on one machine (the local stack), derived from
 * one base port so that every region, link and service gets a distinct, predictable port.
 *
 * For the region with index i (its position in `CONCORD_REGIONS`), with base B:
 *
 * | what                                          | port                |
 * |-----------------------------------------------|---------------------|
 * | private redis-server (only when mode=private) | B + 100·i + 79      |
 * | writer HTTP                                   | B + 100·i + 80      |
 * | reconciler HTTP                               | B + 100·i + 81      |
 * | mirror HTTP (health, metrics)                 | B + 100·i + 82      |
 * | Kafka broker, local listener                  | B + 100·i + 92      |
 * | Kafka KRaft controller                        | B + 100·i + 93      |
 * | Kafka per-peer listener for reader region j   | B + 100·i + 20 + j  |
 * | WAN link proxy origin i → reader j            | B + 900 + 10·i + j  |
 * | link daemon control API                       | B + 999             |
 * | private Postgres cluster (mode=private)       | B + 998             |
 *
 * At most {@link MAX_REGIONS} regions fit this layout.
 */
export const MAX_REGIONS = 8;

export const portLayout = {
  redisPrivate: (base: number, i: number) => base + 100 * i + 79,
  writer: (base: number, i: number) => base + 100 * i + 80,
  reconciler: (base: number, i: number) => base + 100 * i + 81,
  mirror: (base: number, i: number) => base + 100 * i + 82,
  kafka: (base: number, i: number) => base + 100 * i + 92,
  kafkaController: (base: number, i: number) => base + 100 * i + 93,
  kafkaPeer: (base: number, origin: number, reader: number) => base + 100 * origin + 20 + reader,
  linkProxy: (base: number, origin: number, reader: number) => base + 900 + 10 * origin + reader,
  linkControl: (base: number) => base + 999,
  postgresPrivate: (base: number) => base + 998,
} as const;
