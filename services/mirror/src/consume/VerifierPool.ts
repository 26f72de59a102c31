import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Envelope, RegionId } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import type { ClassifiedRecord } from '../apply/ApplyTypes.js';
import {
  classifyRecords,
  invalidRecord,
  type ClassifyOptions,
  type RawRecord,
  type Verdict,
} from './classifyRecords.js';

interface Pending {
  readonly worker: Worker;
  readonly resolve: (results: Verdict[]) => void;
  readonly reject: (error: Error) => void;
}

/** The compiled worker next to this module (dist), or, when running from sources, in dist. */
function workerFile(): string | undefined {
  const here = fileURLToPath(new URL('./verifierWorker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])consume([\\/])/, '$1dist$2consume$3');
  return existsSync(built) ? built : undefined;
}

/**
 * Parses and verifies records in worker threads, so the apply loop's thread only decodes the
 * accepted ones: verification (canonical JSON of every envelope, Ed25519) is the largest CPU
 * cost of the mirror. The workers run the exact core functions of `classifyRecords` on the
 * exact bytes; the main thread then reads the accepted values with `JSON.parse` — the record's
 * bytes, or the canonical text a worker returns when they were not canonical — which yields the
 * same value the schema validated (it has no transforms). Falls back to in-process
 * classification when no worker can run.
 */
export class VerifierPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private jobs = 0;
  private closed = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly options: ClassifyOptions & {
      readonly threads: number;
      readonly publicKeysPem: Readonly<Record<RegionId, readonly string[]>>;
      readonly logger: Logger;
    },
  ) {
    const file = options.threads > 0 ? workerFile() : undefined;
    if (options.threads > 0 && !file) {
      options.logger.warn('verifier worker not built: verifying on the main thread');
    }
    for (let i = 0; file && i < options.threads; i++) this.spawn(file);
  }

  get threads(): number {
    return this.workers.length;
  }

  private spawn(file: string): void {
    const worker = new Worker(file, {
      workerData: {
        publicKeysPem: this.options.publicKeysPem,
        maxEventBytes: this.options.maxEventBytes,
      },
    });
    worker.unref();
    worker.on('message', (message: { id: number; results: Verdict[] }) => {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      p?.resolve(message.results);
    });
    const fail = (error: Error) => {
      // A dead worker: fail its jobs (the consumer re-reads them) and replace it.
      const index = this.workers.indexOf(worker);
      if (index >= 0) this.workers.splice(index, 1);
      for (const [id, p] of this.pending) {
        if (p.worker === worker) {
          this.pending.delete(id);
          p.reject(error);
        }
      }
      if (!this.closed) {
        this.options.logger.error({ err: error }, 'verifier worker died; starting another');
        this.spawn(file);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 && !this.closed) fail(new Error(`verifier worker exited with ${code}`));
    });
    this.workers.push(worker);
  }

  /** Same contract as {@link classifyRecords}. */
  async classify(records: readonly RawRecord[]): Promise<ClassifiedRecord[]> {
    if (this.workers.length === 0 || records.length === 0)
      return classifyRecords(records, this.options);
    const n = Math.min(this.workers.length, Math.ceil(records.length / 64));
    const size = Math.ceil(records.length / n);
    const parts: Promise<Verdict[]>[] = [];
    for (let i = 0; i < records.length; i += size) parts.push(this.run(records.slice(i, i + size)));
    const verdicts = (await Promise.all(parts)).flat();
    return records.map((record, i) => {
      const offset = BigInt(record.offset);
      const verdict = verdicts[i];
      if (verdict && 'code' in verdict) return invalidRecord(record, offset, verdict);
      const text = verdict ? verdict.canonical : this.decoder.decode(record.value!);
      return { kind: 'event', offset, envelope: JSON.parse(text) as Envelope, text };
    });
  }

  private run(records: readonly RawRecord[]): Promise<Verdict[]> {
    let total = 0;
    for (const r of records) total += r.value?.length ?? 0;
    const buffer = new ArrayBuffer(total);
    const bytes = new Uint8Array(buffer);
    const bounds = new Int32Array(records.length * 2);
    let at = 0;
    records.forEach((r, i) => {
      if (r.value === null) {
        bounds[2 * i] = -1;
        bounds[2 * i + 1] = -1;
        return;
      }
      bytes.set(r.value, at);
      bounds[2 * i] = at;
      at += r.value.length;
      bounds[2 * i + 1] = at;
    });
    const worker = this.workers[this.next++ % this.workers.length]!;
    const id = ++this.jobs;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, buffer, bounds }, [buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}
