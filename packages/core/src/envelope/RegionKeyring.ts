import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { ConcordError } from '../errors/ConcordError.js';
import type { RegionId } from './Envelope.js';
import { REGION_PATTERN } from './limits.js';

// DER prefixes that wrap a raw 32-byte Ed25519 key into SPKI (public) and PKCS#8 (private).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function keyError(
  message: string,
  details: Record<string, unknown>,
  cause?: unknown,
): ConcordError {
  return new ConcordError('CONFIG_INVALID', message, {
    details,
    ...(cause === undefined ? {} : { cause }),
  });
}

function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

/**
 * Reads an Ed25519 public key given as PEM (SPKI), or as base64/base64url of the raw 32 bytes
 * or of the SPKI DER.
 */
export function importPublicKey(key: string | KeyObject): KeyObject {
  let object: KeyObject;
  try {
    if (typeof key !== 'string') object = key.type === 'private' ? createPublicKey(key) : key;
    else if (key.includes('-----BEGIN')) object = createPublicKey(key);
    else {
      const bytes = decodeBase64(key.trim());
      const der = bytes.length === 32 ? Buffer.concat([SPKI_ED25519_PREFIX, bytes]) : bytes;
      object = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
  } catch (error) {
    throw keyError('not a readable Ed25519 public key', { field: 'publicKey' }, error);
  }
  if (object.asymmetricKeyType !== 'ed25519') {
    throw keyError('public key is not Ed25519', {
      field: 'publicKey',
      type: object.asymmetricKeyType,
    });
  }
  return object;
}

/** Reads an Ed25519 private key given as PEM (PKCS#8), or base64/base64url of the 32-byte seed or PKCS#8 DER. */
export function importPrivateKey(key: string | KeyObject): KeyObject {
  let object: KeyObject;
  try {
    if (typeof key !== 'string') object = key;
    else if (key.includes('-----BEGIN')) object = createPrivateKey(key);
    else {
      const bytes = decodeBase64(key.trim());
      const der = bytes.length === 32 ? Buffer.concat([PKCS8_ED25519_PREFIX, bytes]) : bytes;
      object = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
  } catch (error) {
    throw keyError('not a readable Ed25519 private key', { field: 'privateKey' }, error);
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw keyError('private key is not an Ed25519 private key', { field: 'privateKey' });
  }
  return object;
}

/** The raw 32-byte public key in base64url: the compact form used in configuration. */
export function exportPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw keyError('cannot export public key', { field: 'publicKey' });
  return jwk.x;
}

/** A fresh region key pair: `publicKey` raw base64url, `privateKey` PKCS#8 PEM. */
export function generateRegionKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: exportPublicKey(publicKey),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * The public keys every region signs with. A region may have several keys at once (rotation:
 * add the new key everywhere, switch the signer, then drop the old key); a signature is valid
 * when any of the region's keys verifies it. Immutable: `with` returns a new keyring.
 */
export class RegionKeyring {
  private readonly keys: ReadonlyMap<RegionId, readonly KeyObject[]>;

  private constructor(keys: ReadonlyMap<RegionId, readonly KeyObject[]>) {
    this.keys = keys;
  }

  /** Builds a keyring from `{ region: key | key[] }` (keys in any form {@link importPublicKey} reads). */
  static from(
    entries: Readonly<Record<RegionId, string | KeyObject | readonly (string | KeyObject)[]>>,
  ): RegionKeyring {
    let keyring = new RegionKeyring(new Map());
    for (const [region, keys] of Object.entries(entries)) {
      const list = Array.isArray(keys)
        ? (keys as readonly (string | KeyObject)[])
        : [keys as string | KeyObject];
      for (const key of list) keyring = keyring.with(region, key);
    }
    return keyring;
  }

  /** A keyring with one more public key for `region`. */
  with(region: RegionId, key: string | KeyObject): RegionKeyring {
    if (!REGION_PATTERN.test(region))
      throw keyError(`invalid region id ${JSON.stringify(region)}`, { field: 'region' });
    const next = new Map(this.keys);
    next.set(region, [...(this.keys.get(region) ?? []), importPublicKey(key)]);
    return new RegionKeyring(next);
  }

  /** A keyring without the given key of `region` (the end of a rotation). */
  without(region: RegionId, key: string | KeyObject): RegionKeyring {
    const drop = exportPublicKey(importPublicKey(key));
    const next = new Map(this.keys);
    const remaining = (this.keys.get(region) ?? []).filter((k) => exportPublicKey(k) !== drop);
    if (remaining.length === 0) next.delete(region);
    else next.set(region, remaining);
    return new RegionKeyring(next);
  }

  has(region: RegionId): boolean {
    return this.keys.has(region);
  }

  /** The region's public keys, newest last; empty for an unknown region. */
  keysOf(region: RegionId): readonly KeyObject[] {
    return this.keys.get(region) ?? [];
  }

  /** Known regions, sorted. */
  regions(): RegionId[] {
    return [...this.keys.keys()].sort();
  }
}

/** What signs envelopes in one region: its id and its current private key. */
export interface EnvelopeSigner {
  readonly region: RegionId;
  readonly privateKey: KeyObject;
}

/** A signer for `region` from a private key in any form {@link importPrivateKey} reads. */
export function createSigner(region: RegionId, privateKey: string | KeyObject): EnvelopeSigner {
  if (!REGION_PATTERN.test(region))
    throw keyError(`invalid region id ${JSON.stringify(region)}`, { field: 'region' });
  return { region, privateKey: importPrivateKey(privateKey) };
}
