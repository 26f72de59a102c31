import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import { requireOpenssl } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';

const run = promisify(execFile);

const CA_DAYS = 3650;
const BROKER_DAYS = 825;
/** A certificate expiring sooner than this is issued again at the next `stack up --secure`. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * What a broker's certificate must name: the address clients dial. Clients of other regions
 * reach a broker through the link proxy at 127.0.0.1 (the PEER listener advertises it) and
 * verify the certificate against that address, so the IP SAN is the one that matters;
 * `kafka-<region>` is the broker's name in docker-compose.yml, `localhost` for humans.
 * In production the SANs are the names the PEER listeners advertise (the WAN addresses).
 */
export function brokerSubjectAltNames(region: RegionId): string[] {
  return [`DNS:kafka-${region}`, 'DNS:localhost', 'IP:127.0.0.1'];
}

/** `IP:` as node:crypto prints it (`IP Address:`), to compare with an existing certificate. */
function printedSans(sans: readonly string[]): string {
  return sans.map((s) => s.replace(/^IP:/, 'IP Address:')).join(', ');
}

function readCert(file: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(file));
  } catch {
    return undefined;
  }
}

function fresh(cert: X509Certificate): boolean {
  return Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
}

async function openssl(bin: string, args: string[]): Promise<void> {
  try {
    await run(bin, args, { maxBuffer: 1024 * 1024 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new ConcordError(
      'STACK_START_FAILED',
      `openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' | ')}`,
      { cause: error, retriable: false },
    );
  }
}

/** A fresh EC P-256 private key at `out`, readable by its owner only. */
async function generateEcKey(bin: string, out: string): Promise<void> {
  await openssl(bin, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    out,
  ]);
  chmodSync(out, 0o600);
}

/**
 * Makes sure the stack's certificate authority and one certificate per broker exist under
 * `<state>/security` (folder 0700, private keys 0600): EC P-256 keys, the CA self-signed for
 * 10 years, each broker's certificate signed by it for 825 days with
 * {@link brokerSubjectAltNames}. A broker certificate that is missing, not issued by the current
 * CA, about to expire or naming other addresses is issued again (keys and CA are otherwise
 * kept). Returns the regions whose certificate was issued now.
 */
export async function ensureStackCertificates(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
  regions: readonly RegionId[],
  progress?: ProgressSink,
): Promise<RegionId[]> {
  const sec = stackPaths(config).security;
  mkdirSync(sec.dir, { recursive: true, mode: 0o700 });
  chmodSync(sec.dir, 0o700);
  let bin: string | undefined;
  const openSsl = () => (bin ??= requireOpenssl());

  let ca = readCert(sec.caCert);
  if (!ca || !existsSync(sec.caKey) || !fresh(ca)) {
    await generateEcKey(openSsl(), sec.caKey);
    await openssl(openSsl(), [
      'req',
      '-x509',
      '-new',
      '-key',
      sec.caKey,
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-subj',
      // Unique per stack, so two stacks' CAs are never mistaken for each other.
      `/CN=Concord local stack CA ${randomBytes(4).toString('hex')}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      sec.caCert,
    ]);
    chmodSync(sec.caCert, 0o644);
    ca = readCert(sec.caCert)!;
    progress?.({ part: 'security', message: `created the stack CA ${sec.caCert}` });
  }

  const issued: RegionId[] = [];
  for (const region of regions) {
    const files = sec.broker(region);
    const sans = brokerSubjectAltNames(region);
    const cert = readCert(files.cert);
    const valid =
      cert !== undefined &&
      existsSync(files.keystore) &&
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      fresh(cert) &&
      cert.subjectAltName === printedSans(sans);
    if (valid) continue;
    const csr = `${files.cert}.csr`;
    const ext = `${files.cert}.ext`;
    await generateEcKey(openSsl(), files.key);
    await openssl(openSsl(), [
      'req',
      '-new',
      '-key',
      files.key,
      '-subj',
      `/CN=kafka-${region}`,
      '-out',
      csr,
    ]);
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${sans.join(',')}`,
        '',
      ].join('\n'),
    );
    await openssl(openSsl(), [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      sec.caCert,
      '-CAkey',
      sec.caKey,
      '-CAcreateserial',
      '-days',
      String(BROKER_DAYS),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      files.cert,
    ]);
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
    // The broker's keystore: a PEM with the PKCS#8 key and the certificate (ssl.keystore.type=PEM).
    writeFileSync(
      files.keystore,
      readFileSync(files.key, 'utf8') + readFileSync(files.cert, 'utf8'),
      { mode: 0o600 },
    );
    chmodSync(files.keystore, 0o600);
    issued.push(region);
  }
  if (issued.length > 0) {
    progress?.({
      part: 'security',
      message: `issued broker certificates for ${issued.join(', ')} (SANs ${brokerSubjectAltNames('<region>').join(', ')})`,
    });
  }
  return issued;
}
