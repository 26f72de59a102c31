/**
 * Worker thread of the VerifierPool: parses and verifies record values with @concord/core
 * (schema, size, storable text, signature) and answers, per value, `null` (valid) or the
 * rejection, or `{ canonical }` (valid, but its bytes were not the canonical form: the text to
 * keep, see parseValue). Values arrive packed in one transferred ArrayBuffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RegionKeyring, toConcordError, verifyEnvelope } from '@concord/core';
import { parseValue, rejectionOf, type Verdict } from './classifyRecords.js';

interface Job {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  /** Per value: [start, end] in `buffer`, or -1 for a null value. */
  readonly bounds: Int32Array;
}

const { publicKeysPem, maxEventBytes } = workerData as {
  publicKeysPem: Record<string, string[]>;
  maxEventBytes: number;
};
const keyring = RegionKeyring.from(publicKeysPem);

parentPort!.on('message', (job: Job) => {
  const results: Verdict[] = [];
  for (let i = 0; i < job.bounds.length; i += 2) {
    const start = job.bounds[i]!;
    const value = start < 0 ? null : new Uint8Array(job.buffer, start, job.bounds[i + 1]! - start);
    const parsed = parseValue(value, maxEventBytes);
    if (!parsed.ok) {
      results.push(parsed.rejection);
      continue;
    }
    try {
      verifyEnvelope(parsed.envelope, keyring);
      results.push(parsed.canonical === undefined ? null : { canonical: parsed.canonical });
    } catch (error) {
      results.push(rejectionOf(toConcordError(error)));
    }
  }
  parentPort!.postMessage({ id: job.id, results });
});
