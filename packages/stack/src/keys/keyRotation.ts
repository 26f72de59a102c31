import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import { ensureSigningKeys, signingKeyFiles } from './signingKeys.js';

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/g;

/** Short, stable identifier of a public key: SHA-256 of its SPKI DER, first 16 hex digits. */
export function keyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

function fingerprintOfPrivate(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const pub = createPublicKey(readFileSync(file))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return keyFingerprint(pub);
}

export interface RegionKeys {
  readonly region: RegionId;
  /** Fingerprint of the key the region signs with. */
  readonly active: string | undefined;
  /** Fingerprint of a staged key (published, not yet signing). */
  readonly staged: string | undefined;
  /** Every accepted public key, in file order. */
  readonly accepted: readonly string[];
}

/** The signing and verification keys of every region, by fingerprint. */
export function listKeys(config: Pick<ConcordConfig, 'keys' | 'regions'>): RegionKeys[] {
  return config.regions.map((region) => {
    const files = signingKeyFiles(config, region);
    const accepted = existsSync(files.publicKey)
      ? (readFileSync(files.publicKey, 'utf8').match(PEM_BLOCK) ?? []).map(keyFingerprint)
      : [];
    return {
      region,
      active: fingerprintOfPrivate(files.privateKey),
      staged: fingerprintOfPrivate(`${files.privateKey}.next`),
      accepted,
    };
  });
}

/**
 * Step 1 of a rotation: generates a new key pair for `region`, keeps the private key aside
 * (`<region>.key.next`) and appends the public key to `<region>.pub`, so every region accepts
 * both keys once the new `.pub` is distributed (the overlap window). Returns its fingerprint.
 */
export function stageKey(
  config: Pick<ConcordConfig, 'keys' | 'regions'>,
  region: RegionId,
): string {
  requireRegion(config, region);
  ensureSigningKeys(config);
  const files = signingKeyFiles(config, region);
  if (existsSync(`${files.privateKey}.next`)) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `a key is already staged for ${region}: activate it first (concord keys activate ${region})`,
    );
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(`${files.privateKey}.next`, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  const current = readFileSync(files.publicKey, 'utf8');
  writeFileSync(files.publicKey, (current.endsWith('\n') ? current : `${current}\n`) + pub);
  return keyFingerprint(pub);
}

/**
 * Step 2: the region starts signing with the staged key (restart its writer and reconciler).
 * The previous private key is kept as `<region>.key.<fingerprint>.retired`; its public key stays
 * accepted, because events it signed remain in Kafka and must still verify on replay.
 */
export function activateKey(
  config: Pick<ConcordConfig, 'keys' | 'regions'>,
  region: RegionId,
): string {
  requireRegion(config, region);
  const files = signingKeyFiles(config, region);
  const next = `${files.privateKey}.next`;
  const staged = fingerprintOfPrivate(next);
  if (!staged)
    throw new ConcordError(
      'VALIDATION_FAILED',
      `no staged key for ${region}: run concord keys stage ${region} first`,
    );
  const old = fingerprintOfPrivate(files.privateKey);
  if (old) renameSync(files.privateKey, `${files.privateKey}.${old}.retired`);
  renameSync(next, files.privateKey);
  return staged;
}

/**
 * Removes a public key from `<region>.pub`. Events signed with it will then be refused (sent to
 * the DLQ) by any mirror that reads them again — on replay in particular — so this needs
 * `force` and must never target the active key.
 */
export function retireKey(
  config: Pick<ConcordConfig, 'keys' | 'regions'>,
  region: RegionId,
  fingerprint: string,
  options: { force: boolean },
): void {
  requireRegion(config, region);
  const keys = listKeys(config).find((k) => k.region === region)!;
  if (keys.active === fingerprint || keys.staged === fingerprint) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `key ${fingerprint} of ${region} is ${keys.active === fingerprint ? 'active' : 'staged'}; it cannot be retired`,
    );
  }
  if (!keys.accepted.includes(fingerprint)) {
    throw new ConcordError(
      'NOT_FOUND',
      `${region} accepts no key ${fingerprint} (accepted: ${keys.accepted.join(', ')})`,
    );
  }
  if (!options.force) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `events signed with ${fingerprint} would no longer verify (replays would dead-letter them); pass --force if none remain in the log`,
    );
  }
  const file = signingKeyFiles(config, region).publicKey;
  const kept = (readFileSync(file, 'utf8').match(PEM_BLOCK) ?? []).filter(
    (pem) => keyFingerprint(pem) !== fingerprint,
  );
  writeFileSync(file, kept.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
}

function requireRegion(config: Pick<ConcordConfig, 'regions'>, region: RegionId): void {
  if (!config.regions.includes(region)) {
    throw new ConcordError(
      'UNKNOWN_REGION',
      `unknown region "${region}"; configured regions: ${config.regions.join(', ')}`,
    );
  }
}
