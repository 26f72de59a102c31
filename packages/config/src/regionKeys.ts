import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from './ConcordConfig.js';
import { configError } from './loadConfig.js';

/** PEM text of the region keys, as found in the keys folder. */
export interface RegionKeyFiles {
  /** This region's Ed25519 private key (PKCS#8 PEM), when asked for. */
  readonly privateKeyPem: string | undefined;
  /** Every region's public keys (SPKI PEM blocks; several during a rotation). */
  readonly publicKeysPem: Readonly<Record<RegionId, readonly string[]>>;
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/**
 * Reads `<keys dir>/<region>.pub` for every region (each file may hold several PEM blocks:
 * during a rotation the old and the new key are both accepted) and, if `signer` is given,
 * `<keys dir>/<signer>.key`. Missing files are a CONFIG_INVALID naming the file.
 */
export function readRegionKeys(config: ConcordConfig, signer?: RegionId): RegionKeyFiles {
  const dir = config.keys.dir;
  const publicKeysPem: Record<RegionId, string[]> = {};
  const missing: string[] = [];
  for (const region of config.regions) {
    const file = join(dir, `${region}.pub`);
    if (!existsSync(file)) {
      missing.push(file);
      continue;
    }
    publicKeysPem[region] = readFileSync(file, 'utf8').match(PEM_BLOCK) ?? [];
    if (publicKeysPem[region].length === 0) missing.push(`${file} (no PEM public key inside)`);
  }
  let privateKeyPem: string | undefined;
  if (signer !== undefined) {
    const file = join(dir, `${signer}.key`);
    if (existsSync(file)) privateKeyPem = readFileSync(file, 'utf8');
    else missing.push(file);
  }
  if (missing.length > 0) {
    throw configError(
      missing.map((file) => ({
        field: 'CONCORD_KEYS_DIR',
        message: `missing key file ${file}; run \`concord stack up\` or \`concord keys generate\``,
      })),
    );
  }
  return { privateKeyPem, publicKeysPem };
}
