import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readRegionKeys } from './index.js';

const pem = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

describe('readRegionKeys', () => {
  it('reads every region’s public keys (several during a rotation) and the signer’s private key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const us = pem();
    const usNext = pem();
    const eu = pem();
    writeFileSync(join(dir, 'us.pub'), us.pub + usNext.pub);
    writeFileSync(join(dir, 'us.key'), us.key);
    writeFileSync(join(dir, 'eu.pub'), eu.pub);
    const config = loadConfig({
      env: { CONCORD_REGIONS: 'us,eu', CONCORD_KEYS_DIR: dir },
      cwd: '/tmp',
    });
    const keys = readRegionKeys(config, 'us');
    expect(keys.publicKeysPem.us).toEqual([us.pub.trim(), usNext.pub.trim()]);
    expect(keys.publicKeysPem.eu).toEqual([eu.pub.trim()]);
    expect(keys.privateKeyPem).toBe(us.key);
  });

  it('names every missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const config = loadConfig({
      env: { CONCORD_REGIONS: 'us,eu', CONCORD_KEYS_DIR: dir },
      cwd: '/tmp',
    });
    expect(() => readRegionKeys(config, 'eu')).toThrow(/us\.pub.*eu\.pub.*eu\.key/);
  });
});
