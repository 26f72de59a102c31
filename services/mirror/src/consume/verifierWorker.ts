/**
 * Worker thread of the VerifierPool: parses and verifies record values with @concord/core
 * (schema, size, storable text, signature) and answers, per value, `null` (valid) or the
 * rejection. Values arrive packed in one transferred ArrayBuffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RegionKeyring, toConcordError, verifyEnvelope } from '@concord/core';
import type { Rejection } from '../apply/ApplyTypes.js';
import { parseValue, rejectionOf } from './classifyRecords.js';

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
  const results: (Rejection | null)[] = [];
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
      results.push(null);
    } catch (error) {
      results.push(rejectionOf(toConcordError(error)));
    }
  }
  parentPort!.postMessage({ id: job.id, results });
});
