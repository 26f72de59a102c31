import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConcordError } from '@concord/core';

/** The absolute path of `name` on PATH, or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** A PREREQUISITE_MISSING error: one line saying what is missing and how to fix it. */
export function prerequisiteMissing(what: string, fix: string): ConcordError {
  return new ConcordError('PREREQUISITE_MISSING', `${what} — ${fix}`, {
    details: { missing: what, fix },
    retriable: false,
  });
}

/** Java ≥ 17 on PATH, else PREREQUISITE_MISSING. Returns the java executable. */
export function requireJava(): string {
  const java = findExecutable('java');
  const fix = 'install a JDK ≥ 17 (apt-get install openjdk-17-jre-headless)';
  if (!java) throw prerequisiteMissing('java not found on PATH', fix);
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const text = `${probe.stderr ?? ''}${probe.stdout ?? ''}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (!Number.isFinite(major) || major < 17) {
    throw prerequisiteMissing(
      `java at ${java} is ${match ? `version ${major}` : 'not runnable'}`,
      fix,
    );
  }
  return java;
}

/** Maven on PATH (needed only while the Kafka jars are not cached), else PREREQUISITE_MISSING. */
export function requireMaven(): string {
  const mvn = findExecutable('mvn');
  if (!mvn) {
    throw prerequisiteMissing(
      'mvn not found on PATH (needed once to fetch the Kafka jars from Maven Central)',
      'install Maven (apt-get install maven) or copy the jars into the cache folder (CONCORD_CACHE_DIR)',
    );
  }
  return mvn;
}

/** openssl on PATH (needed to issue the certificates of a `--secure` stack), else PREREQUISITE_MISSING. */
export function requireOpenssl(): string {
  const openssl = findExecutable('openssl');
  if (!openssl) {
    throw prerequisiteMissing(
      'openssl not found on PATH (needed to issue the TLS certificates of `stack up --secure`)',
      'install it (apt-get install openssl)',
    );
  }
  return openssl;
}
