import { GradscopeError } from '../../errors.js';
import type { ThreadHost, ThreadWorker } from './thread-host.js';

// The control block, in the shared wasm memory below every region that can move or be reused
// (views taken at start-up stay valid when the memory grows):
//   job header (128 bytes): CLAIM, FINISHED, COUNT, ERROR
//   part table: MAX_PARTS × 16 int32 (gemmF32's first 13 arguments, alpha/beta as float32 bits)
//   one 128-byte slot per worker: WAKE, STATE, OP
// The header is the one line every thread writes (claims, finished count); the part table is
// written by the caller only; each worker polls its own slot, on lines of its own.
const HEADER_INTS = 32;
const PART_INTS = 16;
/**
 * Parts one GEMM may be cut into (the claim word keeps the part index in 8 bits).
 * @example const count = Math.min(threads, MAX_PARTS);
 */
export const MAX_PARTS = 64;
const SLOT_INTS = 32;
const CLAIM = 0; // (job tag << 8) | next unclaimed part
const FINISHED = 1; // parts of the current job done (by any thread)
const COUNT = 2; // parts in the current job
const ERROR = 3; // 1 when a part failed in a worker (message on that worker's channel)
const WAKE = 0; // job number, bumped by the caller to wake the worker
const STATE = 1; // worker life cycle, see below
const OP = 2; // 1: serve the job, 2: exit
const READY = 1;
const FAILED = 2;
const EXITED = 3;
const OP_JOB = 1;
const OP_EXIT = 2;
const TAG_MASK = 0xffffff;

/**
 * Bytes of control block for `workers` workers.
 * @example wk.reserve(poolControlBytes(1))
 */
export function poolControlBytes(workers: number): number {
  return (HEADER_INTS + MAX_PARTS * PART_INTS + workers * SLOT_INTS) * 4;
}

/**
 * Milliseconds a worker polls its wake word after a job before it sleeps in Atomics.wait: the
 * GEMMs of a training step, a few hundred µs of JS apart, find it awake (a posted part starts
 * within a µs instead of after a ~50 µs futex wake-up), and an idle pool costs no CPU.
 */
const WORKER_SPIN_MS = 0.5;
/**
 * Milliseconds the caller polls the finished count before it sleeps: it has nothing else to do,
 * and a sleeping caller adds a wake-up latency to every GEMM whose parts end a little apart.
 */
const CALLER_SPIN_MS = 2;

// Claims parts of the job tagged `tag` until none is left and runs each with this thread's
// packing workspace: the worker's copy (source text); claimParts below is the caller's.
// A claim is a compare-exchange on the tagged claim word, so a thread that wakes after its job
// was finished (by the others) can never run a part of the next job twice.
const CLAIM_LOOP = `(hdr, hf, tag, gemm, work, onError) => {
  for (;;) {
    const w = Atomics.load(hdr, ${CLAIM});
    if ((w >>> 8) !== tag) return;
    const i = w & 255;
    const count = Atomics.load(hdr, ${COUNT});
    if (i >= count) return;
    if (Atomics.compareExchange(hdr, ${CLAIM}, w, w + 1) !== w) continue;
    const p = ${HEADER_INTS} + i * ${PART_INTS};
    try {
      gemm(hdr[p], hdr[p + 1], hdr[p + 2], hdr[p + 3], hdr[p + 4], hf[p + 5], hdr[p + 6],
        hdr[p + 7], hdr[p + 8], hdr[p + 9], hf[p + 10], hdr[p + 11], hdr[p + 12], work);
    } catch (e) {
      onError(e);
    }
    if (Atomics.add(hdr, ${FINISHED}, 1) + 1 === count) Atomics.notify(hdr, ${FINISHED});
  }
}`;

// The worker, shipped as source text so that any host can start it (eval'd in Node, a Blob URL
// in browsers): it instantiates the shared-memory kernels on the caller's memory and claims
// parts whenever its wake word changes. No closure over this module: constants are inlined.
const WORKER_SOURCE = `function gradscopeGemmWorker(init, report, onExit) {
  'use strict';
  const claimParts = ${CLAIM_LOOP};
  const hdr = new Int32Array(init.memory.buffer, init.control, ${HEADER_INTS + MAX_PARTS * PART_INTS});
  const hf = new Float32Array(init.memory.buffer, init.control, ${HEADER_INTS + MAX_PARTS * PART_INTS});
  const slot = new Int32Array(init.memory.buffer, init.slot, ${SLOT_INTS});
  const setState = (s) => { Atomics.store(slot, ${STATE}, s); Atomics.notify(slot, ${STATE}); };
  let gemm;
  try {
    const imports = {};
    for (const imp of WebAssembly.Module.imports(init.module)) {
      const ns = (imports[imp.module] = imports[imp.module] || {});
      ns[imp.name] = imp.kind === 'memory' ? init.memory : () => { throw new Error('the kernels called ' + imp.module + '.' + imp.name); };
    }
    gemm = new WebAssembly.Instance(init.module, imports).exports.gemmF32;
  } catch (e) {
    report('the worker could not instantiate the kernels: ' + ((e && e.message) || e));
    setState(${FAILED});
    return;
  }
  const onError = (e) => {
    report(String((e && e.message) || e));
    Atomics.store(hdr, ${ERROR}, 1);
  };
  onExit(() => { if (Atomics.load(slot, ${STATE}) === ${READY}) setState(${EXITED}); });
  setState(${READY});
  let seen = Atomics.load(slot, ${WAKE});
  for (;;) {
    const t0 = performance.now();
    let polls = 0;
    while (Atomics.load(slot, ${WAKE}) === seen) {
      if ((++polls & 255) === 0 && performance.now() - t0 > ${WORKER_SPIN_MS}) {
        Atomics.wait(slot, ${WAKE}, seen);
      }
    }
    seen = Atomics.load(slot, ${WAKE});
    if (Atomics.load(slot, ${OP}) === ${OP_EXIT}) break;
    claimParts(hdr, hf, seen & ${TAG_MASK}, gemm, init.work, onError);
  }
  setState(${EXITED});
}`;

// The claim loop again for the calling thread (the same protocol; kept as code rather than
// evaluated from the string above, so that pages with a CSP forbidding eval can run it).
function claimParts(
  hdr: Int32Array,
  hf: Float32Array,
  tag: number,
  gemm: (...args: [...GemmPart, number]) => void,
  work: number,
  onError: (e: unknown) => void,
): number {
  let ran = 0;
  for (;;) {
    const w = Atomics.load(hdr, CLAIM);
    if (w >>> 8 !== tag) return ran;
    const i = w & 255;
    const count = Atomics.load(hdr, COUNT);
    if (i >= count) return ran;
    if (Atomics.compareExchange(hdr, CLAIM, w, w + 1) !== w) continue;
    const p = HEADER_INTS + i * PART_INTS;
    try {
      gemm(
        hdr[p] as number,
        hdr[p + 1] as number,
        hdr[p + 2] as number,
        hdr[p + 3] as number,
        hdr[p + 4] as number,
        hf[p + 5] as number,
        hdr[p + 6] as number,
        hdr[p + 7] as number,
        hdr[p + 8] as number,
        hdr[p + 9] as number,
        hf[p + 10] as number,
        hdr[p + 11] as number,
        hdr[p + 12] as number,
        work,
      );
    } catch (e) {
      onError(e);
    }
    ran++;
    if (Atomics.add(hdr, FINISHED, 1) + 1 === count) Atomics.notify(hdr, FINISHED);
  }
}

/**
 * One part of a GEMM: gemmF32's arguments but the workspace (byte addresses, leading dimensions
 * in floats): C[m×n] at c (row stride ldc) = alpha·op(A)·op(B) + beta·C.
 * @example const part: GemmPart = [0, 0, m, n1, k, 1, a, k, b, n, 0, c, n];
 */
export type GemmPart = [
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
];

/**
 * A fixed set of worker threads running gemmF32 on the caller's shared wasm memory. A GEMM is
 * posted as a table of parts; the caller and the workers it wakes claim parts one at a time
 * until none is left, so a worker that is slow to wake (or descheduled on a busy machine) costs
 * at most the parts it did not claim in time: the caller computes them itself.
 *
 * @example
 * const pool = new GemmPool(host, module, memory, controlPtr, [workerWork]);
 * if (pool.ready() === 1) pool.run(parts, gemmF32, callerWork);
 */
export class GemmPool {
  private readonly workers: ThreadWorker[] = [];
  private readonly slots: Int32Array[] = [];
  private readonly hdr: Int32Array;
  private readonly hf: Float32Array;
  private readonly canBlock: boolean;
  private seq = 0;
  /**
   * GEMMs run split, their parts, and the parts the workers computed (the caller did the rest).
   * @example pool.stats.workerParts / pool.stats.parts // ≈ 1/2 on 2 idle cores
   */
  readonly stats = { splitGemms: 0, parts: 0, workerParts: 0 };
  private failure: string | undefined;
  private stopped = false;

  /**
   * Starts one worker per entry of `works` (its packing workspace) on the control block at
   * `control` (poolControlBytes(works.length) bytes of `memory`). They start asynchronously and
   * take parts once {@link GemmPool.ready} counts them.
   */
  constructor(
    host: ThreadHost,
    module: object,
    memory: { readonly buffer: ArrayBufferLike },
    control: number,
    works: readonly number[],
  ) {
    this.canBlock = host.canBlock;
    const tableInts = HEADER_INTS + MAX_PARTS * PART_INTS;
    this.hdr = new Int32Array(memory.buffer, control, tableInts);
    this.hf = new Float32Array(memory.buffer, control, tableInts);
    this.hdr.fill(0);
    for (let w = 0; w < works.length; w++) {
      const slot = control + (tableInts + w * SLOT_INTS) * 4;
      const i32 = new Int32Array(memory.buffer, slot, SLOT_INTS);
      i32.fill(0);
      try {
        const init = { module, memory, control, slot, work: works[w] };
        this.workers.push(host.spawn(WORKER_SOURCE, init));
        this.slots.push(i32);
      } catch (e) {
        this.failure = `${host.name} could not start a worker: ${(e as Error).message}`;
        this.stop();
        break;
      }
    }
  }

  /**
   * Workers ready to take parts right now (0 while they boot, or after a failure).
   * @example if (pool.ready() > 0) pool.run(parts, gemm, work);
   */
  ready(): number {
    if (this.failure !== undefined || this.stopped) return 0;
    let n = 0;
    for (let w = 0; w < this.slots.length; w++) {
      const state = Atomics.load(this.slots[w] as Int32Array, STATE);
      const worker = this.workers[w];
      const death = state === READY ? undefined : worker?.died?.();
      if (state === READY) n++;
      else if (state === FAILED || state === EXITED || death !== undefined) {
        this.failure =
          worker?.takeMessage() ?? death ?? `worker ${w} ${state === FAILED ? 'failed' : 'exited'}`;
        this.stop();
        return 0;
      }
    }
    return n;
  }

  /**
   * Why the pool stopped serving parts, if it did.
   * @example if (pool.failureReason) console.warn(pool.failureReason);
   */
  get failureReason(): string | undefined {
    return this.failure;
  }

  /**
   * Number of workers started.
   * @example pool.size // 1 for 2 threads
   */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Resolves once every worker is ready (true) or the pool failed (false); polls every ms.
   * @example await pool.whenReady();
   */
  async whenReady(timeoutMs = 30_000): Promise<boolean> {
    const t0 = Date.now();
    while (this.ready() < this.slots.length) {
      if (this.failure !== undefined || this.stopped) return false;
      if (Date.now() - t0 > timeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return this.slots.length > 0 && this.failure === undefined;
  }

  /**
   * Runs `parts` (at most MAX_PARTS) on the calling thread (with workspace `work`) and up to
   * parts.length − 1 ready workers, returning when all are done. A part that throws (a wasm
   * trap, on whichever thread) is rethrown here as a GradscopeError after every part finished.
   */
  run(
    parts: readonly GemmPart[],
    gemm: (...args: [...GemmPart, number]) => void,
    work: number,
  ): void {
    const count = parts.length;
    const hdr = this.hdr;
    const hf = this.hf;
    for (let i = 0; i < count; i++) {
      const p = parts[i] as GemmPart;
      const base = HEADER_INTS + i * PART_INTS;
      for (let j = 0; j < 13; j++) hdr[base + j] = p[j] as number;
      hf[base + 5] = p[5];
      hf[base + 10] = p[10];
    }
    const seq = (this.seq = (this.seq + 1) & 0x7fffffff);
    const tag = seq & TAG_MASK;
    Atomics.store(hdr, COUNT, count);
    Atomics.store(hdr, FINISHED, 0);
    Atomics.store(hdr, ERROR, 0);
    Atomics.store(hdr, CLAIM, tag << 8);
    const wake = Math.min(count - 1, this.slots.length);
    for (let w = 0; w < wake; w++) {
      const slot = this.slots[w] as Int32Array;
      Atomics.store(slot, OP, OP_JOB);
      Atomics.store(slot, WAKE, seq);
      Atomics.notify(slot, WAKE);
    }
    let ownError: unknown;
    const ran = claimParts(hdr, this.hf, tag, gemm, work, (e) => {
      ownError ??= e;
    });
    this.waitFinished(count, wake);
    this.stats.splitGemms++;
    this.stats.parts += count;
    this.stats.workerParts += count - ran;
    // Any thread may compute any part: a failing part fails the same way whoever ran it.
    if (ownError !== undefined) {
      throw new GradscopeError(
        `gemm: a part computed on the calling thread failed: ${(ownError as Error).message ?? String(ownError)}`,
      );
    }
    if (Atomics.load(hdr, ERROR) !== 0) {
      let message: string | undefined;
      for (let w = 0; w < wake && message === undefined; w++) {
        message = this.workers[w]?.takeMessage();
      }
      throw new GradscopeError(`gemm: a worker thread failed: ${message ?? 'unknown error'}`);
    }
  }

  private waitFinished(count: number, wake: number): void {
    const hdr = this.hdr;
    const t0 = performance.now();
    let polls = 0;
    for (;;) {
      const finished = Atomics.load(hdr, FINISHED);
      if (finished === count) return;
      if ((++polls & 255) !== 0) continue;
      for (let w = 0; w < wake; w++) {
        const state = Atomics.load(this.slots[w] as Int32Array, STATE);
        // (A worker still booting was woken for nothing: it takes no part of this GEMM.)
        if (state === FAILED || state === EXITED) {
          const why = this.workers[w]?.takeMessage() ?? `state ${state}`;
          this.failure = `worker ${w} stopped during a GEMM: ${why}`;
          this.stop();
          throw new GradscopeError(`gemm: ${this.failure}`);
        }
      }
      if (this.canBlock && performance.now() - t0 > CALLER_SPIN_MS) {
        Atomics.wait(hdr, FINISHED, finished, 100);
      }
    }
  }

  /**
   * Asks every worker to leave its loop and terminates it; the pool serves no more parts.
   * @example pool.stop();
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const seq = (this.seq = (this.seq + 1) & 0x7fffffff);
    for (let w = 0; w < this.slots.length; w++) {
      const slot = this.slots[w] as Int32Array;
      Atomics.store(slot, OP, OP_EXIT);
      Atomics.store(slot, WAKE, seq);
      Atomics.notify(slot, WAKE);
    }
    for (const worker of this.workers) worker.terminate();
  }
}
