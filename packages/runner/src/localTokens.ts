import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConcordConfig } from '@concord/config';

export interface LocalTokens {
  readonly apiToken: string;
  readonly adminToken: string;
}

export function localTokensFile(config: Pick<ConcordConfig, 'stateDir'>): string {
  return join(config.stateDir, 'tokens.json');
}

/**
 * The bearer tokens of a local deployment: the configured ones (CONCORD_API_TOKENS,
 * CONCORD_ADMIN_TOKEN) when set, else random ones generated once into `<state>/tokens.json`
 * (mode 0600), so `concord run` never starts services that accept anyone and the CLI can
 * call them.
 */
export function ensureLocalTokens(config: Pick<ConcordConfig, 'stateDir' | 'auth'>): LocalTokens {
  const configured = config.auth.apiTokens[0];
  if (configured !== undefined && config.auth.adminToken !== undefined) {
    return { apiToken: configured, adminToken: config.auth.adminToken };
  }
  const file = localTokensFile(config);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalTokens;
  const tokens: LocalTokens = {
    apiToken: `api-${randomBytes(18).toString('base64url')}`,
    adminToken: `admin-${randomBytes(18).toString('base64url')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  return tokens;
}

/** The local tokens if a deployment created them (for CLI clients). */
export function readLocalTokens(
  config: Pick<ConcordConfig, 'stateDir' | 'auth'>,
): LocalTokens | undefined {
  const configured = config.auth.apiTokens[0];
  if (configured !== undefined && config.auth.adminToken !== undefined) {
    return { apiToken: configured, adminToken: config.auth.adminToken };
  }
  const file = localTokensFile(config);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalTokens) : undefined;
}
