import { sign, verify, type KeyObject } from 'node:crypto';
import { ConcordError, toConcordError } from '../errors/ConcordError.js';
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

interface VerificationPlan {
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly keys: readonly KeyObject[];
  readonly signedBy: string;
}

/** The non-cryptographic checks: who may sign, and with which keys. */
function plan(envelope: Envelope<unknown>, keyring: RegionKeyring): VerificationPlan {
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
  return {
    payload: signingPayload(envelope),
    signature: Buffer.from(envelope.sig, 'base64url'),
    keys: keyring.keysOf(signedBy),
    signedBy,
  };
}

function badSignature(envelope: Envelope<unknown>, signedBy: string): ConcordError {
  return signatureInvalid(
    'bad-signature',
    `signature of event ${envelope.id} does not verify for region ${signedBy}`,
    {
      signedBy,
    },
  );
}

/**
 * Checks who may sign the envelope and that the signature holds:
 * - `meta.signedBy` names the signing region; it must equal `origin`, except for
 *   `concord.merge`, which any known region may sign (a failover reconciler);
 * - the signature verifies under one of the signing region's public keys (rotation).
 *
 * Runs on the calling thread (one core). For batches, {@link verifyEnvelopes} spreads the
 * Ed25519 work over libuv's thread pool.
 *
 * @throws ConcordError UNKNOWN_REGION (origin or signer not in the keyring, `details.field`),
 * SIGNATURE_INVALID (`details.reason`: `unsigned`, `signer-not-origin`, `bad-signature`).
 */
export function verifyEnvelope(envelope: Envelope<unknown>, keyring: RegionKeyring): void {
  const { payload, signature, keys, signedBy } = plan(envelope, keyring);
  for (const key of keys) {
    if (signature.length === 64 && verify(null, payload, key, signature)) return;
  }
  throw badSignature(envelope, signedBy);
}

function verifyOnPool(payload: Buffer, key: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    verify(null, payload, key, signature, (error, ok) => resolve(error === null && ok));
  });
}

/** {@link verifyEnvelope} with the Ed25519 work on libuv's thread pool (uses every core). */
export async function verifyEnvelopeAsync(
  envelope: Envelope<unknown>,
  keyring: RegionKeyring,
): Promise<void> {
  const { payload, signature, keys, signedBy } = plan(envelope, keyring);
  if (signature.length === 64) {
    for (const key of keys) if (await verifyOnPool(payload, key, signature)) return;
  }
  throw badSignature(envelope, signedBy);
}

/** The outcome of verifying one envelope of a batch. */
export type VerificationResult =
  { readonly ok: true } | { readonly ok: false; readonly error: ConcordError };

/**
 * Verifies a batch concurrently on libuv's thread pool; one result per envelope, in order
 * (never rejects). The way a consumer should verify what it polls.
 */
export function verifyEnvelopes(
  envelopes: readonly Envelope<unknown>[],
  keyring: RegionKeyring,
): Promise<VerificationResult[]> {
  return Promise.all(
    envelopes.map((envelope) =>
      verifyEnvelopeAsync(envelope, keyring).then(
        (): VerificationResult => ({ ok: true }),
        (error: unknown): VerificationResult => ({ ok: false, error: toConcordError(error) }),
      ),
    ),
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
