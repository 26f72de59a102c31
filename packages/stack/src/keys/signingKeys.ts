import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';

/** Files of a region's signing key pair in config.keys.dir. */
export function signingKeyFiles(
  config: Pick<ConcordConfig, 'keys'>,
  region: RegionId,
): { privateKey: string; publicKey: string } {
  return {
    privateKey: join(config.keys.dir, `${region}.key`),
    publicKey: join(config.keys.dir, `${region}.pub`),
  };
}

/**
 * Makes sure every region has an Ed25519 key pair: `<region>.key` (PKCS8 PEM, mode 0600) and
 * `<region>.pub` (SPKI PEM). Existing keys are never replaced; a missing public key is derived
 * from the private one. Returns the regions whose private key was generated now.
 */
export function ensureSigningKeys(config: Pick<ConcordConfig, 'keys' | 'regions'>): RegionId[] {
  mkdirSync(config.keys.dir, { recursive: true, mode: 0o700 });
  const generated: RegionId[] = [];
  for (const region of config.regions) {
    const files = signingKeyFiles(config, region);
    if (!existsSync(files.privateKey)) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      try {
        // 'wx': if a concurrent `stack up` wrote the key first, its key wins.
        writeFileSync(files.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
          mode: 0o600,
          flag: 'wx',
        });
        writeFileSync(files.publicKey, publicKey.export({ type: 'spki', format: 'pem' }));
        generated.push(region);
        continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    if (!existsSync(files.publicKey)) {
      const publicKey = createPublicKey(createPrivateKey(readFileSync(files.privateKey)));
      writeFileSync(files.publicKey, publicKey.export({ type: 'spki', format: 'pem' }));
    }
  }
  return generated;
}
