import { sign, verify } from 'node:crypto';
import { ConcordError } from '../errors/ConcordError.js';
import { canonicalJson } from '../json/canonicalJson.js';
import {
  MERGE_EVENT_TYPE,
  withoutSignature,
  type Envelope,
  type UnsignedEnvelope,
} from './Envelope.js';
import type { EnvelopeSigner, RegionKeyring } from './RegionKeyring.js';

/** The exact bytes that are signed: canonical JSON of the envelope without `sig`. */
export function signingPayload(envelope: UnsignedEnvelope<unknown> & { sig?: string }): Buffer {
  return Buffer.from(canonicalJson(withoutSignature(envelope)), 'utf8');
}

/**
 * Signs an envelope as `signer.region`: sets `meta.signedBy`, then signs the canonical JSON of
 * the envelope without `sig` with Ed25519. Returns a new envelope; the input is not changed.
 */
export function signEnvelope<D>(
  envelope: UnsignedEnvelope<D>,
  signer: EnvelopeSigner,
): Envelope<D> {
  const unsigned: UnsignedEnvelope<D> = {
    ...withoutSignature(envelope),
    meta: { ...envelope.meta, signedBy: signer.region },
  };
  const sig = sign(null, signingPayload(unsigned), signer.privateKey).toString('base64url');
  return { ...unsigned, sig };
}

function signatureInvalid(
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
): ConcordError {
  return new ConcordError('SIGNATURE_INVALID', message, { details: { reason, ...details } });
}

/**
 * Checks who may sign the envelope and that the signature holds:
 * - `meta.signedBy` names the signing region; it must equal `origin`, except for
 *   `concord.merge`, which any known region may sign (a failover reconciler);
 * - the signature verifies under one of the signing region's public keys (rotation).
 *
 * @throws ConcordError UNKNOWN_REGION (origin or signer not in the keyring, `details.field`),
 * SIGNATURE_INVALID (`details.reason`: `unsigned`, `signer-not-origin`, `bad-signature`).
 */
export function verifyEnvelope(envelope: Envelope<unknown>, keyring: RegionKeyring): void {
  const signedBy = envelope.meta.signedBy;
  if (typeof signedBy !== 'string' || typeof envelope.sig !== 'string') {
    throw signatureInvalid('unsigned', `event ${envelope.id} has no signature or no meta.signedBy`);
  }
  if (!keyring.has(envelope.origin)) {
    throw new ConcordError('UNKNOWN_REGION', `unknown origin region ${envelope.origin}`, {
      details: { field: 'origin', region: envelope.origin },
    });
  }
  if (!keyring.has(signedBy)) {
    throw new ConcordError('UNKNOWN_REGION', `unknown signing region ${signedBy}`, {
      details: { field: 'meta.signedBy', region: signedBy },
    });
  }
  if (signedBy !== envelope.origin && envelope.type !== MERGE_EVENT_TYPE) {
    throw signatureInvalid(
      'signer-not-origin',
      `event ${envelope.id} from ${envelope.origin} is signed by ${signedBy}; only merges may be signed by another region`,
      { origin: envelope.origin, signedBy },
    );
  }
  const signature = Buffer.from(envelope.sig, 'base64url');
  const payload = signingPayload(envelope);
  for (const key of keyring.keysOf(signedBy)) {
    if (signature.length === 64 && verify(null, payload, key, signature)) return;
  }
  throw signatureInvalid(
    'bad-signature',
    `signature of event ${envelope.id} does not verify for region ${signedBy}`,
    {
      signedBy,
    },
  );
}

/** {@link verifyEnvelope} as a boolean. */
export function isSignatureValid(envelope: Envelope<unknown>, keyring: RegionKeyring): boolean {
  try {
    verifyEnvelope(envelope, keyring);
    return true;
  } catch {
    return false;
  }
}
