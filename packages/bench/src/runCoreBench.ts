import { cpus } from 'node:os';
import {
  CausalGate,
  createSigner,
  foldStream,
  generateRegionKeyPair,
  mergePatchReducer,
  RegionKeyring,
  signEnvelope,
  StreamProjection,
  TestEventFactory,
  verifyEnvelope,
  verifyEnvelopes,
  type Causal,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';

export interface CoreBenchOptions {
  /** Events folded on the fast path. Default 200 000. */
  fastPathEvents?: number;
  /** Length of the stream for the slow-path measurement. Default 1 000. */
  slowPathStreamLength?: number;
  /** Recomputes measured per slow-path case. Default 50. */
  slowPathRepeats?: number;
  /** Parked events in the gate measurement. Default 100 000. */
  gateParked?: number;
  /** Envelopes signed and verified. Default 10 000. */
  signatures?: number;
}

export interface CoreBenchResult {
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly foldFastPath: {
    readonly events: number;
    readonly ms: number;
    readonly eventsPerSecond: number;
  };
  readonly foldSlowPath: {
    readonly streamLength: number;
    readonly checkpointEvery: number;
    /** A late event concurrent with the second half of the stream (parent in the middle). */
    readonly lateInMiddleMsPerRecompute: number;
    /** A late event concurrent with almost everything (parent = the first event). */
    readonly lateAtStartMsPerRecompute: number;
    /** The same stream folded from scratch, for comparison. */
    readonly fromScratchMs: number;
  };
  readonly gate: {
    readonly parked: number;
    readonly parkMs: number;
    readonly parkedPerSecond: number;
    readonly unparkMs: number;
    readonly unparkedPerSecond: number;
  };
  readonly signatures: {
    readonly envelopes: number;
    /** Sign then verify, on the calling thread. */
    readonly signAndVerifyPerSecond: number;
    /** `verifyEnvelope`, on the calling thread (one core). */
    readonly verifyPerSecond: number;
    /** `verifyEnvelopes` in batches of 500, Ed25519 on libuv's thread pool (every core). */
    readonly verifyBatchPerSecond: number;
  };
  readonly targets: { readonly fastPathEventsPerSecond: number; readonly verifyPerSecond: number };
  /** `verify` is judged on the batch path, the one a consumer uses. */
  readonly meetsTargets: { readonly fastPath: boolean; readonly verify: boolean };
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);

function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function chain(length: number, stream = 'profile-bench'): UnsignedEnvelope[] {
  const factory = new TestEventFactory({ stream, origin: 'us' });
  const events: UnsignedEnvelope[] = [];
  for (let i = 0; i < length; i++) {
    events.push(factory.event({ type: 'ProfileUpdated', data: { [`f${i % 16}`]: i, visits: i } }));
  }
  return events;
}

function benchFastPath(count: number): CoreBenchResult['foldFastPath'] {
  const events = chain(count);
  // Warm up the JIT on a separate projection.
  new StreamProjection('profile-bench', mergePatchReducer).apply(events.slice(0, 10_000));
  const projection = new StreamProjection('profile-bench', mergePatchReducer);
  const batch = 500;
  const ms = time(() => {
    for (let i = 0; i < events.length; i += batch) projection.apply(events.slice(i, i + batch));
  });
  return { events: count, ms: round(ms), eventsPerSecond: perSecond(count, ms) };
}

function benchSlowPath(length: number, repeats: number): CoreBenchResult['foldSlowPath'] {
  const events = chain(length);
  const factory = new TestEventFactory({ stream: 'profile-bench', origin: 'eu', seed: 'late' });
  const lateAfter = (index: number) =>
    factory.event({
      type: 'ProfileUpdated',
      data: { late: true },
      parents: [(events[index] as UnsignedEnvelope).id],
      hlc: { wall: (events[index] as UnsignedEnvelope).hlc.wall, logical: 1 },
    });
  const measure = (late: UnsignedEnvelope) => {
    let total = 0;
    for (let r = 0; r < repeats; r++) {
      const projection = new StreamProjection('profile-bench', mergePatchReducer);
      projection.apply(events);
      total += time(() => projection.apply([late]));
    }
    return round(total / repeats);
  };
  const middle = measure(lateAfter(Math.floor(length / 2)));
  const start = measure(lateAfter(0));
  let scratch = 0;
  for (let r = 0; r < repeats; r++) scratch += time(() => foldStream(events, mergePatchReducer));
  return {
    streamLength: length,
    checkpointEvery: 128,
    lateInMiddleMsPerRecompute: middle,
    lateAtStartMsPerRecompute: start,
    fromScratchMs: round(scratch / repeats),
  };
}

function benchGate(parked: number): CoreBenchResult['gate'] {
  // 1 000 missing roots, each with a chain of children delivered first: everything parks.
  const roots = 1000;
  const perRoot = Math.max(1, Math.floor(parked / roots));
  const children: Causal[] = [];
  for (let r = 0; r < roots; r++) {
    for (let i = 1; i <= perRoot; i++)
      children.push({ id: `r${r}-${i}`, parents: [`r${r}-${i - 1}`] });
  }
  const gate = new CausalGate({ appliedCacheSize: Infinity });
  const batch = 1000;
  const parkMs = time(() => {
    for (let i = children.length - batch; i >= 0; i -= batch) {
      const decision = gate.decide(children.slice(i, i + batch));
      gate.commit(decision);
    }
  });
  const total = gate.parkedCount;
  let unparked = 0;
  const unparkMs = time(() => {
    for (let r = 0; r < roots; r += 100) {
      const rootBatch: Causal[] = [];
      for (let k = r; k < r + 100 && k < roots; k++) rootBatch.push({ id: `r${k}-0`, parents: [] });
      const decision = gate.decide(rootBatch);
      unparked += decision.unparked.length;
      gate.commit(decision);
    }
  });
  if (gate.parkedCount !== 0 || unparked !== total)
    throw new Error('gate bench: not everything was unparked');
  return {
    parked: total,
    parkMs: round(parkMs),
    parkedPerSecond: perSecond(total, parkMs),
    unparkMs: round(unparkMs),
    unparkedPerSecond: perSecond(total + roots, unparkMs),
  };
}

async function benchSignatures(count: number): Promise<CoreBenchResult['signatures']> {
  const keys = generateRegionKeyPair();
  const signer = createSigner('us', keys.privateKey);
  const keyring = RegionKeyring.from({ us: keys.publicKey, eu: generateRegionKeyPair().publicKey });
  const events = chain(count, 'account-bench');
  const signed: Envelope[] = [];
  const both = time(() => {
    for (const event of events) {
      const envelope = signEnvelope(event, signer);
      verifyEnvelope(envelope, keyring);
      signed.push(envelope);
    }
  });
  const verifyOnly = time(() => {
    for (const envelope of signed) verifyEnvelope(envelope, keyring);
  });
  const batch = 500;
  await verifyEnvelopes(signed.slice(0, batch), keyring); // warm the pool
  const started = performance.now();
  for (let i = 0; i < signed.length; i += batch) {
    const results = await verifyEnvelopes(signed.slice(i, i + batch), keyring);
    if (results.some((r) => !r.ok))
      throw new Error('signature bench: a valid envelope did not verify');
  }
  const pooled = performance.now() - started;
  return {
    envelopes: count,
    signAndVerifyPerSecond: perSecond(count, both),
    verifyPerSecond: perSecond(count, verifyOnly),
    verifyBatchPerSecond: perSecond(count, pooled),
  };
}

/**
 * Measures the pure core on this machine: fold fast path, slow-path recompute cost, the causal
 * gate with a large parked set, and Ed25519 sign/verify. Returns JSON; writes nothing.
 */
export async function runCoreBench(options: CoreBenchOptions = {}): Promise<CoreBenchResult> {
  const cpu = cpus();
  const foldFastPath = benchFastPath(options.fastPathEvents ?? 200_000);
  const foldSlowPath = benchSlowPath(
    options.slowPathStreamLength ?? 1000,
    options.slowPathRepeats ?? 50,
  );
  const gate = benchGate(options.gateParked ?? 100_000);
  const signatures = await benchSignatures(options.signatures ?? 10_000);
  const targets = { fastPathEventsPerSecond: 500_000, verifyPerSecond: 20_000 };
  return {
    machine: { node: process.version, cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown' },
    foldFastPath,
    foldSlowPath,
    gate,
    signatures,
    targets,
    meetsTargets: {
      fastPath: foldFastPath.eventsPerSecond >= targets.fastPathEventsPerSecond,
      verify: signatures.verifyBatchPerSecond >= targets.verifyPerSecond,
    },
  };
}
