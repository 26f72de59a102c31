import type { ConcordConfig, RegionId, ReplicationMode } from '@concord/config';
import type { StackEndpoints } from './endpoints/StackEndpoints.js';

/** The two switches of a stack: how regions replicate and whether the WAN listeners are secured. */
export interface StackModes {
  /** `mm2`: a MirrorMaker 2 process per region copies the other regions' events topics. */
  readonly replication: ReplicationMode;
  /** SASL_SSL (TLS + SCRAM-SHA-512, read-only ACLs) on every cross-region listener. */
  readonly secure: boolean;
}

/** Explicit choices, e.g. from `stack up --mm2 / --no-mm2 / --secure / --no-secure`. */
export interface StackModeOptions {
  readonly replication?: ReplicationMode;
  readonly secure?: boolean;
}

/** The modes stack.json records (a file written before they existed: direct, plaintext). */
export function recordedModes(endpoints: StackEndpoints | undefined): StackModes {
  return {
    replication: endpoints?.replication?.mode ?? 'direct',
    secure: endpoints?.security !== undefined,
  };
}

/**
 * The modes a `stack up` brings the stack to. A stack keeps the modes it was brought up with
 * (stack.json) until told otherwise, so that `concord run`, the demo or a plain `stack up` on
 * an mm2 or secure stack never silently turn it back: an explicit option wins, then
 * CONCORD_REPLICATION_MODE=mm2 (a config that reads MirrorMaker copies needs them), then the
 * recorded modes, then direct and plaintext.
 */
export function resolveStackModes(
  config: Pick<ConcordConfig, 'replication'>,
  recorded: StackEndpoints | undefined,
  options: StackModeOptions = {},
): StackModes {
  const before = recordedModes(recorded);
  return {
    replication:
      options.replication ?? (config.replication.mode === 'mm2' ? 'mm2' : before.replication),
    secure: options.secure ?? before.secure,
  };
}

/**
 * The environment every service process of the stack needs besides its region's own settings:
 * the stack's replication mode, and on a secure stack the protocol and CA of the WAN
 * connections. Empty for a stack.json written before modes existed.
 */
export function stackServiceEnv(endpoints: StackEndpoints | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (endpoints?.replication) env.CONCORD_REPLICATION_MODE = endpoints.replication.mode;
  if (endpoints?.security) {
    env.CONCORD_KAFKA_SECURITY = endpoints.security.protocol;
    env.CONCORD_KAFKA_CA_FILE = endpoints.security.caFile;
  }
  return env;
}

/**
 * The credentials of `region`'s processes on a secure stack: its SCRAM user and the file with
 * the password (never the password itself: the environment of a process is easy to leak).
 */
export function stackRegionEnv(
  endpoints: StackEndpoints | undefined,
  region: RegionId,
): Record<string, string> {
  const user = endpoints?.security?.users[region];
  if (!user) return {};
  return {
    CONCORD_KAFKA_SASL_USERNAME: user.username,
    CONCORD_KAFKA_SASL_PASSWORD_FILE: user.passwordFile,
  };
}
