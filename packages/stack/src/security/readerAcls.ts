import kafkajs, { type AclEntry } from 'kafkajs';
import type { ConcordConfig, RegionId } from '@concord/config';
import { createKafka, mapKafkaError } from '@concord/kafka';
import { scramUsername } from './scramUsers.js';

// kafkajs is CommonJS: its enums are reachable through the default export only.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * What a remote reader may do on a secure stack's broker: read. Topics: READ (fetch),
 * DESCRIBE (metadata, offsets), DESCRIBE_CONFIGS (MirrorMaker 2 copies topic configs).
 * Groups: READ and DESCRIBE (a direct-mode mirror commits its offsets in its group on the
 * origin's cluster). Nothing else — no produce, create, delete or alter: a compromised or
 * misconfigured region can never write into or delete another region's log of record.
 *
 * The patterns are the literal wildcard `*`: topic and group names end with the region
 * (`<ns>.events.<origin>`, `<ns>.mirror.<reader>`) and Kafka only knows literal and prefix
 * patterns, while one stack serves many namespaces (the tests use one per file). A production
 * cluster names them: LITERAL `<ns>.events.<origin>` and `<ns>.mirror.<reader>`.
 */
export function readerAcls(readers: readonly RegionId[]): AclEntry[] {
  const grant = (
    principal: string,
    resourceType: kafkajs.AclResourceTypes,
    operation: kafkajs.AclOperationTypes,
  ): AclEntry => ({
    resourceType,
    resourceName: '*',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  return readers.flatMap((reader) => {
    const principal = `User:${scramUsername(reader)}`;
    return [
      grant(principal, AclResourceTypes.TOPIC, AclOperationTypes.READ),
      grant(principal, AclResourceTypes.TOPIC, AclOperationTypes.DESCRIBE),
      grant(principal, AclResourceTypes.TOPIC, AclOperationTypes.DESCRIBE_CONFIGS),
      grant(principal, AclResourceTypes.GROUP, AclOperationTypes.READ),
      grant(principal, AclResourceTypes.GROUP, AclOperationTypes.DESCRIBE),
    ];
  });
}

/**
 * Creates the read-only ACLs of `region`'s remote readers on its broker, through the LOCAL
 * listener (whose ANONYMOUS principal is a super user). Idempotent: Kafka keeps one copy of an
 * ACL binding however often it is created.
 */
export async function ensureReaderAcls(config: ConcordConfig, region: RegionId): Promise<void> {
  const readers = config.regions.filter((r) => r !== region);
  if (readers.length === 0) return;
  const admin = createKafka({
    clientId: `concord-stack-acls-${region}`,
    brokers: [`127.0.0.1:${config.byRegion[region]!.kafka.port}`],
    requestTimeoutMs: config.kafka.requestTimeoutMs,
  }).admin();
  try {
    await admin.connect();
    await admin.createAcls({ acl: readerAcls(readers) });
  } catch (error) {
    throw mapKafkaError(error, `ACLs on kafka ${region}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
