import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readRegionKeys } from '@concord/config';
import {
  createSigner,
  isSignatureValid,
  newEventId,
  RegionKeyring,
  signEnvelope,
  type UnsignedEnvelope,
} from '@concord/core';
import { activateKey, ensureSigningKeys, listKeys, retireKey, stageKey } from '../index.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  const config = loadConfig({
    env: { CONCORD_REGIONS: 'us,eu', CONCORD_KEYS_DIR: dir },
    cwd: '/tmp',
  });
  ensureSigningKeys(config);
  return { dir, config };
}

/** What a mirror does at start-up: a keyring from the key files. */
function keyring(config: ReturnType<typeof setup>['config']) {
  const files = readRegionKeys(config);
  return RegionKeyring.from(files.publicKeysPem as Record<string, string[]>);
}

function signedBy(config: ReturnType<typeof setup>['config'], region: string) {
  const unsigned: UnsignedEnvelope = {
    v: 1,
    id: newEventId(),
    stream: 'profile-1',
    type: 'ProfileUpdated',
    data: { a: 1 },
    origin: region,
    hlc: { wall: Date.now(), logical: 0 },
    parents: [],
    meta: {},
  } as unknown as UnsignedEnvelope;
  return signEnvelope(
    unsigned,
    createSigner(region, readRegionKeys(config, region).privateKeyPem!),
  );
}

describe('signing key rotation', () => {
  it('stages a new key (both accepted), activates it (new events signed with it, old ones still verify)', () => {
    const { config } = setup();
    const before = listKeys(config).find((k) => k.region === 'us')!;
    const oldEvent = signedBy(config, 'us');

    const staged = stageKey(config, 'us');
    const during = listKeys(config).find((k) => k.region === 'us')!;
    expect(during).toMatchObject({
      active: before.active,
      staged,
      accepted: [before.active, staged],
    });
    expect(isSignatureValid(signedBy(config, 'us'), keyring(config))).toBe(true); // still the old key

    expect(activateKey(config, 'us')).toBe(staged);
    const after = listKeys(config).find((k) => k.region === 'us')!;
    expect(after).toMatchObject({
      active: staged,
      staged: undefined,
      accepted: [before.active, staged],
    });
    const newEvent = signedBy(config, 'us');
    const ring = keyring(config);
    expect(isSignatureValid(newEvent, ring)).toBe(true);
    expect(isSignatureValid(oldEvent, ring)).toBe(true);
    // A verifier that only knows the old key refuses the new signature: the overlap matters.
    expect(
      isSignatureValid(
        newEvent,
        RegionKeyring.from({ us: [readRegionKeys(config).publicKeysPem.us![0]!] }),
      ),
    ).toBe(false);
  });

  it('retires an old public key only with force, never the active one; old events then fail', () => {
    const { config, dir } = setup();
    const old = listKeys(config).find((k) => k.region === 'eu')!.active!;
    const oldEvent = signedBy(config, 'eu');
    stageKey(config, 'eu');
    const active = activateKey(config, 'eu');
    expect(() => retireKey(config, 'eu', active, { force: true })).toThrow(/is active/);
    expect(() => retireKey(config, 'eu', old, { force: false })).toThrow(/--force/);
    retireKey(config, 'eu', old, { force: true });
    expect(listKeys(config).find((k) => k.region === 'eu')!.accepted).toEqual([active]);
    expect(isSignatureValid(oldEvent, keyring(config))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.retired'))).toEqual([
      `eu.key.${old}.retired`,
    ]);
  });

  it('refuses a second stage before activation and unknown regions', () => {
    const { config } = setup();
    stageKey(config, 'us');
    expect(() => stageKey(config, 'us')).toThrow(/already staged/);
    expect(() => stageKey(config, 'mars')).toThrow(/unknown region "mars"/);
    expect(() => activateKey(config, 'eu')).toThrow(/no staged key/);
  });
});
