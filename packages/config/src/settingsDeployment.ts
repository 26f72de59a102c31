import { z } from 'zod';

import { int, list, REGION_ID, spec } from './settingSchemas.js';

/** Global settings (docs/configuration.md), part of `settings`: the deployment and the local stack: namespace, regions, ports, folders, replication mode, stack provider. */
export const deploymentSettings = {
  namespace: spec({
    env: 'CONCORD_NAMESPACE',
    schema: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'must match ^[a-z][a-z0-9_]{0,30}$'),
    default: 'concord',
    doc: 'Prefix of every topic (`<ns>.events.<region>`), database (`<ns>_<region>`) and Redis key (`<ns>:<region>:`). Tests use a unique namespace per file.',
  }),
  regions: spec({
    env: 'CONCORD_REGIONS',
    schema: list(z.string().regex(REGION_ID, 'each region must match ^[a-z][a-z0-9-]{0,31}$'))
      .refine((r) => r.length >= 1, 'at least one region')
      .refine((r) => new Set(r).size === r.length, 'regions must be distinct')
      .refine((r) => r.length <= 8, 'at most 8 regions'),
    default: ['us', 'eu', 'ap'],
    defaultText: 'us,eu,ap',
    doc: 'The regions of the deployment, comma-separated. Their order fixes each region’s index in the port layout.',
  }),
  region: spec({
    env: 'CONCORD_REGION',
    schema: z.string().regex(REGION_ID, 'must match ^[a-z][a-z0-9-]{0,31}$'),
    default: undefined,
    defaultText: '(none)',
    doc: 'The region this process serves. Required by writer, mirror and reconciler; must be one of CONCORD_REGIONS.',
  }),
  portBase: spec({
    env: 'CONCORD_PORT_BASE',
    schema: int(1024, 64000),
    default: 19000,
    doc: 'Base of the port layout (see docs/local-stack.md).',
  }),
  stateDir: spec({
    env: 'CONCORD_STATE_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '<workspace root>/.concord',
    doc: 'Folder for the local stack: broker data, logs, PID files, link state, signing keys.',
  }),
  cacheDir: spec({
    env: 'CONCORD_CACHE_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '~/.cache/concord',
    doc: 'Cache for downloaded Kafka jars, shared by every checkout.',
  }),
  replicationMode: spec({
    env: 'CONCORD_REPLICATION_MODE',
    schema: z.enum(['direct', 'mm2']),
    default: 'direct',
    doc: '`direct`: mirrors read remote regions’ topics across the WAN link; `mm2`: from local MirrorMaker 2 copies `<origin>.<ns>.events.<origin>`.',
  }),
  stackProvider: spec({
    env: 'CONCORD_STACK_PROVIDER',
    schema: z.enum(['processes', 'containers']),
    default: 'processes',
    doc: 'What `concord stack up` runs the brokers, Postgres and Redis as: `processes` (the local stack) or `containers` (testcontainers, images of `concord images build`; docs/containers.md).',
  }),
  bindHost: spec({
    env: 'CONCORD_BIND_HOST',
    schema: z
      .string()
      .regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'must be an IP address (e.g. 0.0.0.0) or localhost'),
    default: '127.0.0.1',
    doc: 'Address the services listen on. 127.0.0.1 for the local stack; 0.0.0.0 in containers.',
  }),
} as const;
