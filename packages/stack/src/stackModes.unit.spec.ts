import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import type { StackEndpoints } from './endpoints/StackEndpoints.js';
import { resolveStackModes, stackRegionEnv, stackServiceEnv } from './stackModes.js';

const direct = loadConfig({ env: {}, cwd: '/tmp' });
const mm2 = loadConfig({ env: { CONCORD_REPLICATION_MODE: 'mm2' }, cwd: '/tmp' });

const recorded = {
  replication: { mode: 'mm2' },
  security: {
    protocol: 'sasl_ssl',
    mechanism: 'SCRAM-SHA-512',
    caFile: '/s/security/ca.crt',
    users: { eu: { username: 'region-eu', passwordFile: '/s/security/users/eu.password' } },
  },
} as unknown as StackEndpoints;

describe('stack modes', () => {
  it('start direct and plaintext', () => {
    expect(resolveStackModes(direct, undefined)).toEqual({ replication: 'direct', secure: false });
  });

  it('keep what the stack was brought up with unless told otherwise', () => {
    expect(resolveStackModes(direct, recorded)).toEqual({ replication: 'mm2', secure: true });
    expect(resolveStackModes(direct, recorded, { replication: 'direct', secure: false })).toEqual({
      replication: 'direct',
      secure: false,
    });
  });

  it('follow CONCORD_REPLICATION_MODE=mm2 (services that read copies need MirrorMaker)', () => {
    expect(resolveStackModes(mm2, undefined)).toEqual({ replication: 'mm2', secure: false });
    expect(resolveStackModes(mm2, undefined, { replication: 'direct' }).replication).toBe('direct');
  });

  it('give services the mode, the CA and their own region’s user — never a password', () => {
    expect(stackServiceEnv(recorded)).toEqual({
      CONCORD_REPLICATION_MODE: 'mm2',
      CONCORD_KAFKA_SECURITY: 'sasl_ssl',
      CONCORD_KAFKA_CA_FILE: '/s/security/ca.crt',
    });
    expect(stackRegionEnv(recorded, 'eu')).toEqual({
      CONCORD_KAFKA_SASL_USERNAME: 'region-eu',
      CONCORD_KAFKA_SASL_PASSWORD_FILE: '/s/security/users/eu.password',
    });
    expect(stackServiceEnv(undefined)).toEqual({});
    expect(stackRegionEnv(undefined, 'eu')).toEqual({});
  });

  it('load as a valid service config', () => {
    const c = loadConfig({
      env: {
        ...stackServiceEnv(recorded),
        ...stackRegionEnv(recorded, 'eu'),
        CONCORD_REGION: 'eu',
      },
      cwd: '/tmp',
    });
    expect(c.replication.mode).toBe('mm2');
    expect(c.byRegion.us!.kafka.security).toMatchObject({
      protocol: 'sasl_ssl',
      caFile: '/s/security/ca.crt',
      sasl: { username: 'region-eu', passwordFile: '/s/security/users/eu.password' },
    });
  });
});
