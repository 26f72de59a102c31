import { z } from 'zod';

import { bool, list, spec, url } from './settingSchemas.js';

/** Global settings (docs/configuration.md), part of `settings`: Postgres and Redis servers, API and admin tokens, signing keys. */
export const accessSettings = {
  postgresUrl: spec({
    env: 'CONCORD_PG_URL',
    schema: url(['postgres:', 'postgresql:']),
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    doc: 'Postgres server on which each region gets its own database `<ns>_<region>` (this URL’s database is used for administration only).',
  }),
  postgresMode: spec({
    env: 'CONCORD_PG_MODE',
    schema: z.enum(['auto', 'external', 'private']),
    default: 'auto',
    doc: '`external`: use CONCORD_PG_URL; `private`: the stack runs its own cluster with initdb/pg_ctl; `auto`: external when reachable, else private.',
  }),
  redisUrl: spec({
    env: 'CONCORD_REDIS_URL',
    schema: url(['redis:', 'rediss:']),
    default: 'redis://127.0.0.1:6379',
    doc: 'Redis server shared by the regions, each under its own key prefix.',
  }),
  redisMode: spec({
    env: 'CONCORD_REDIS_MODE',
    schema: z.enum(['auto', 'external', 'private']),
    default: 'auto',
    doc: '`external`: use CONCORD_REDIS_URL; `private`: one redis-server per region started by the stack; `auto`: external when reachable, else private.',
  }),
  apiTokens: spec({
    env: 'CONCORD_API_TOKENS',
    schema: list(z.string().min(16, 'each token must be at least 16 characters')),
    default: [],
    defaultText: '(none)',
    doc: 'Bearer tokens accepted by the writer API, comma-separated.',
  }),
  adminToken: spec({
    env: 'CONCORD_ADMIN_TOKEN',
    schema: z.string().min(16, 'must be at least 16 characters'),
    default: undefined,
    defaultText: '(none)',
    doc: 'Bearer token for `/v1/admin/*` and the reconciler API.',
  }),
  insecure: spec({
    env: 'CONCORD_INSECURE',
    schema: bool,
    default: false,
    doc: 'Allow services to start without any token (local development only).',
  }),
  keysDir: spec({
    env: 'CONCORD_KEYS_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '<state dir>/keys',
    doc: 'Folder with region signing keys: `<region>.key` (Ed25519 private, PEM) and `<region>.pub` (public keys, PEM; several for rotation).',
  }),
} as const;
