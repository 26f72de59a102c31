import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import { runJavaTool } from '../kafka/javaTool.js';
import { brokerJvmArgs } from '../kafka/serverProperties.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';

/** The SASL mechanism of the secure stack's cross-region listeners. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** PBKDF2 iterations of the stored SCRAM credentials (Kafka's minimum for SHA-512 is 4096). */
const SCRAM_ITERATIONS = 8192;

type Paths = Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>;

/** One SCRAM user: the identity of a reader region's clients on other regions' brokers. */
export interface ScramUser {
  readonly reader: RegionId;
  readonly username: string;
  readonly password: string;
}

/** The SCRAM user name of region `reader`'s clients (mirrors in direct mode, MirrorMaker 2). */
export function scramUsername(reader: RegionId): string {
  return `region-${reader}`;
}

/**
 * Creates the password of every region's SCRAM user that has none yet (`<state>/security/
 * users/<region>.password`, mode 0600: 32 random base64url characters, safe inside Kafka's
 * `[name=…,password=…]` syntax and a JAAS string). Existing passwords are kept.
 */
export function ensureScramPasswords(config: Paths, readers: readonly RegionId[]): void {
  const sec = stackPaths(config).security;
  mkdirSync(sec.usersDir, { recursive: true, mode: 0o700 });
  for (const reader of readers) {
    const file = sec.password(reader);
    if (existsSync(file)) continue;
    writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
}

/** The users `region`'s broker must know: one per other region (its remote readers). */
export function brokerScramUsers(
  config: Paths & Pick<ConcordConfig, 'regions'>,
  region: RegionId,
): ScramUser[] {
  const sec = stackPaths(config).security;
  return config.regions
    .filter((r) => r !== region)
    .map((reader) => ({
      reader,
      username: scramUsername(reader),
      password: readFileSync(sec.password(reader), 'utf8').split('\n')[0]!.trim(),
    }));
}

/** `SCRAM-SHA-512=[name=…,password=…]`, the credential syntax of kafka-storage and kafka-configs. */
export function scramCredential(user: ScramUser, withName = true): string {
  return `${SCRAM_MECHANISM}=[${withName ? `name=${user.username},` : ''}iterations=${SCRAM_ITERATIONS},password=${user.password}]`;
}

interface ScramStamp {
  readonly directoryId: string;
  /** username → sha256 of the password (never the password). */
  readonly users: Readonly<Record<string, string>>;
}

function directoryId(config: Paths, region: RegionId): string | undefined {
  try {
    const meta = readFileSync(
      join(stackPaths(config).kafka(region).dataDir, 'meta.properties'),
      'utf8',
    );
    return /^directory\.id=(.+)$/m.exec(meta)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function fingerprint(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/**
 * Records that `region`'s metadata log holds `users` with these passwords. Tied to the
 * storage's `directory.id`: a reformatted data folder invalidates it.
 */
export function writeScramStamp(
  config: Paths,
  region: RegionId,
  users: readonly ScramUser[],
): void {
  const id = directoryId(config, region);
  if (!id) return;
  const file = stackPaths(config).security.scramStamp(region);
  mkdirSync(dirname(file), { recursive: true });
  const stamp: ScramStamp = {
    directoryId: id,
    users: Object.fromEntries(users.map((u) => [u.username, fingerprint(u.password)])),
  };
  writeFileSync(file, JSON.stringify(stamp, null, 2) + '\n');
}

/** The users `region`'s broker does not hold yet (or holds with another password). */
export function missingScramUsers(
  config: Paths,
  region: RegionId,
  users: readonly ScramUser[],
): ScramUser[] {
  let stamp: ScramStamp | undefined;
  try {
    stamp = JSON.parse(
      readFileSync(stackPaths(config).security.scramStamp(region), 'utf8'),
    ) as ScramStamp;
  } catch {
    stamp = undefined;
  }
  if (!stamp || stamp.directoryId !== directoryId(config, region)) return [...users];
  return users.filter((u) => stamp.users[u.username] !== fingerprint(u.password));
}

/**
 * Makes sure `region`'s running broker holds the SCRAM credentials of its remote readers.
 *
 * A fresh storage gets them at format time (`kafka-storage format --add-scram`, see
 * KafkaBroker.start): they are in the metadata log before any listener opens. A storage
 * formatted earlier (a plaintext stack brought up again with `--secure`, or a new region) gets
 * them here with `kafka.admin.ConfigCommand --alter --add-config SCRAM-SHA-512=[…]` against the
 * broker's LOCAL listener — the AlterUserScramCredentials API, which KRaft writes to the
 * metadata log too. That works without credentials because LOCAL is PLAINTEXT and the
 * authorizer treats its ANONYMOUS principal as a super user (the inter-broker and controller
 * listeners never need SCRAM). Runs only when the stamp says something is missing.
 */
export async function ensureScramUsers(
  config: ConcordConfig,
  region: RegionId,
  java: string,
  jarsDir: string,
  progress?: ProgressSink,
): Promise<ScramUser[]> {
  const users = brokerScramUsers(config, region);
  const missing = missingScramUsers(config, region, users);
  if (missing.length === 0) return [];
  const files = stackPaths(config).kafka(region);
  const bootstrap = `127.0.0.1:${config.byRegion[region]!.kafka.port}`;
  for (const user of missing) {
    const { code, output } = await runJavaTool({
      java,
      cwd: files.dir,
      secrets: [user.password],
      args: [
        ...brokerJvmArgs(config, jarsDir, files.log4jProperties, 'kafka.admin.ConfigCommand'),
        '--bootstrap-server',
        bootstrap,
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        user.username,
        '--add-config',
        scramCredential(user, false),
      ],
    });
    if (code !== 0) {
      throw new ConcordError(
        'STACK_START_FAILED',
        `could not create SCRAM user ${user.username} on kafka ${region} (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`,
        { retriable: false, details: { region } },
      );
    }
  }
  writeScramStamp(config, region, users);
  progress?.({
    part: 'security',
    region,
    message: `SCRAM users ${missing.map((u) => u.username).join(', ')} created with ConfigCommand`,
  });
  return missing;
}
