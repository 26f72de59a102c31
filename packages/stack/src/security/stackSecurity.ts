import { readFileSync } from 'node:fs';
import type { ConcordConfig, RegionId } from '@concord/config';
import type { BrokerSecurity } from '../kafka/KafkaBroker.js';
import type { MirrorMakerSecurity } from '../mm2/mirrorMakerProperties.js';
import { stackPaths } from '../StackPaths.js';
import { SCRAM_MECHANISM, scramUsername } from './scramUsers.js';

/**
 * What stack.json records of a `--secure` stack: how other regions' clients reach a broker
 * (its PEER listeners). Paths only — the passwords stay in their 0600 files.
 */
export interface StackSecurity {
  /** Of the PEER (cross-region) listeners; LOCAL (in-region) stays PLAINTEXT. */
  readonly protocol: 'sasl_ssl';
  readonly mechanism: typeof SCRAM_MECHANISM;
  /** The stack CA that signs every broker certificate. */
  readonly caFile: string;
  /** Per region: the SCRAM user its clients authenticate as on other regions' brokers. */
  readonly users: Readonly<
    Record<RegionId, { readonly username: string; readonly passwordFile: string }>
  >;
}

type Paths = Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka' | 'regions'>;

/** The security record of the stack of `config` (its files under `<state>/security`). */
export function stackSecurity(config: Paths): StackSecurity {
  const sec = stackPaths(config).security;
  return {
    protocol: 'sasl_ssl',
    mechanism: SCRAM_MECHANISM,
    caFile: sec.caCert,
    users: Object.fromEntries(
      config.regions.map((r) => [r, { username: scramUsername(r), passwordFile: sec.password(r) }]),
    ),
  };
}

/** How `region`'s broker serves its PEER listeners on a secure stack. */
export function brokerSecurity(config: Paths, region: RegionId): BrokerSecurity {
  return { keystore: stackPaths(config).security.broker(region).keystore };
}

/** How the MirrorMaker 2 process into `target` authenticates to its sources on a secure stack. */
export function mirrorMakerSecurity(config: Paths, target: RegionId): MirrorMakerSecurity {
  const sec = stackPaths(config).security;
  return {
    caFile: sec.caCert,
    username: scramUsername(target),
    password: readFileSync(sec.password(target), 'utf8').split('\n')[0]!.trim(),
  };
}
