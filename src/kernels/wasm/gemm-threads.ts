import { ConfigError, fmt } from '../../errors.js';
import { GemmPool, MAX_PARTS, poolControlBytes } from './gemm-pool.js';
import type { GemmPart } from './gemm-pool.js';
import { splitGemm } from './gemm-split.js';
import { SplitChooser } from './split-chooser.js';
import { currentThreadHost } from './thread-host.js';
import { resolveThreads, threadSetting } from './thread-setting.js';
import type { WasmMemory } from './abi.js';

/**
 * A float32 GEMM is split over the worker threads when m·n·k is at least this (and it can be cut
 * into whole 4×8 tiles). Below it, posting the parts and waiting for the slowest thread costs
 * more than the halved compute saves (measured crossover on 2 cores: see bench/gemm.ts).
 * @example wk.threads > 1 && m * n * k >= GEMM_PARALLEL_MIN_WORK // the GEMM runs on threads
 */
export const GEMM_PARALLEL_MIN_WORK = 64 * 64 * 64;

/** What {@link GemmThreads} needs of the kernels instance it serves. */
export interface GemmThreadsHost {
  /** Whether the memory is shared (worker threads can join). */
  readonly shared: boolean;
  /** The compiled kernels module (workers instantiate it on the same memory). */
  readonly module: object;
  /** The kernels' memory. */
  readonly memory: WasmMemory;
  /** The exported GEMM (on byte addresses, with its packing workspace last). */
  readonly gemm: (...args: [...GemmPart, work: number]) => void;
  /** The calling thread's packing workspace. */
  readonly work: number;
  /** Bytes of one packing workspace. */
  readonly workBytes: number;
  /** Reserves never-freed bytes in the kernels' memory (workspaces, control blocks). */
  reserve(bytes: number): number;
}

/**
 * The thread policy of one kernels instance and the GEMM it runs on addresses: on the calling
 * thread, or cut into parts for it and a pool of worker threads (GemmPool) when the problem is
 * big enough to repay the dispatch and splitting measured faster for its shape (SplitChooser).
 * Every element is summed in the same order whichever thread computes it, so results are
 * bit-identical for every thread count.
 * @example const t = new GemmThreads(host); t.setThreads(2); t.compute(0, 0, m, n, k, 1, a, b, 0, c);
 */
export class GemmThreads {
  // `threadPolicy` undefined follows the global setting (the shared instance), a number is this
  // instance's own. The pool starts lazily, at the first GEMM that would use it.
  private threadPolicy: number | undefined = 1;
  private pool: GemmPool | undefined;
  private poolFailure: string | undefined;
  private readonly workerWork: number[] = [];
  /**
   * m·n·k from which GEMMs are split over the threads (GEMM_PARALLEL_MIN_WORK unless changed,
   * e.g. to 0 by a benchmark measuring the crossover).
   * @example wk.parallelMinWork = 0; // split even tiny GEMMs
   */
  parallelMinWork = GEMM_PARALLEL_MIN_WORK;
  /**
   * Whether each GEMM shape is split only when splitting measured faster than the calling thread
   * alone (see SplitChooser; true), or always above parallelMinWork (false: for tests and
   * benchmarks of the split itself).
   * @example wk.autoSplit = false; // always split from parallelMinWork on
   */
  autoSplit = true;
  private readonly chooser = new SplitChooser();
  private unsplit = 0;

  /** @param host The kernels instance's memory, module and GEMM. */
  constructor(private readonly host: GemmThreadsHost) {}

  /**
   * How many threads large GEMMs of this instance may use: a count ≥ 1, or 'global' to follow
   * the library-wide setThreads() (the shared instance of loadWasmKernels() does). More than one
   * needs shared memory and a thread host; otherwise GEMMs stay on the calling thread and
   * {@link WasmKernels.threadsUnavailable} says why. Workers start at the first GEMM that uses
   * them (or with {@link WasmKernels.whenThreadsReady}) and never keep the process alive.
   * @example wk.setThreads(2); await wk.whenThreadsReady(); // 2
   */
  setThreads(threads: number | 'global'): void {
    if (threads !== 'global' && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
      throw new ConfigError(
        `WasmKernels.setThreads: threads must be an integer in [1, 64] or 'global', got ${fmt(threads)}`,
      );
    }
    this.threadPolicy = threads === 'global' ? undefined : threads;
  }

  /** Threads the policy asks for and why fewer may run (no shared memory, no host). */
  private targetThreads(): { threads: number; wanted: number; reason: string } {
    const { host, reason } = currentThreadHost();
    const wanted = this.threadPolicy ?? resolveThreads(threadSetting().setting, host);
    if (wanted <= 1) return { threads: 1, wanted, reason: '' };
    if (!this.host.shared) {
      return {
        threads: 1,
        wanted,
        reason:
          'the kernels run on a private (not shared) memory: SharedArrayBuffer is unavailable (in a browser the page must be cross-origin isolated)',
      };
    }
    if (host === undefined) return { threads: 1, wanted, reason };
    if (this.poolFailure !== undefined) return { threads: 1, wanted, reason: this.poolFailure };
    return { threads: wanted, wanted, reason: '' };
  }

  /**
   * Threads large GEMMs run on once the workers are up (1 when threads are unavailable).
   * @example wk.setThreads(2); wk.threads // 2 in Node
   */
  get threads(): number {
    return this.targetThreads().threads;
  }

  /**
   * Threads the next large GEMM actually uses: the caller plus the workers ready now.
   * @example await wk.whenThreadsReady(); wk.activeThreads // === wk.threads
   */
  get activeThreads(): number {
    const pool = this.currentPool(false);
    return pool === undefined ? 1 : 1 + Math.min(pool.ready(), this.threads - 1);
  }

  /**
   * Why more than one thread was asked for but GEMMs run on one, or undefined.
   * @example if (wk.threadsUnavailable) console.warn(wk.threadsUnavailable);
   */
  get threadsUnavailable(): string | undefined {
    const { threads, wanted, reason } = this.targetThreads();
    return threads === 1 && wanted > 1 ? reason || undefined : undefined;
  }

  /**
   * Starts the workers if needed and resolves to {@link WasmKernels.activeThreads} once they are
   * ready (or failed to start: then 1, with the reason in threadsUnavailable).
   * @example const n = await wk.whenThreadsReady();
   */
  async whenThreadsReady(): Promise<number> {
    const pool = this.currentPool(true);
    if (pool !== undefined && !(await pool.whenReady())) {
      this.poolFailure ??= pool.failureReason ?? 'the workers did not start within 30 s';
    }
    return this.activeThreads;
  }

  /**
   * Counters of the current worker pool: GEMMs run split, their parts, and the parts the workers
   * computed (the calling thread computes the parts no worker claimed in time, e.g. on a busy
   * machine); and GEMMs big enough to split that ran on the calling thread because that measured
   * faster for their shape (see {@link WasmKernels.autoSplit}).
   * @example const { workerParts, parts } = wk.threadStats(); // workerParts / parts ≈ 1/2 on 2 idle cores
   */
  threadStats(): { splitGemms: number; parts: number; workerParts: number; unsplit: number } {
    const stats = this.pool?.stats ?? { splitGemms: 0, parts: 0, workerParts: 0 };
    return { ...stats, unsplit: this.unsplit };
  }

  /**
   * Stops the worker threads (they are restarted on demand if the policy still asks for them).
   * @example wk.stopThreads();
   */
  stopThreads(): void {
    this.pool?.stop();
    this.pool = undefined;
  }

  // A pool with at least threads − 1 workers, started when `start` (a smaller one is replaced;
  // a bigger one is kept, its extra workers idle in Atomics.wait, so that switching the thread
  // count between calls costs nothing).
  private currentPool(start: boolean): GemmPool | undefined {
    if (this.pool?.failureReason !== undefined) {
      this.poolFailure = this.pool.failureReason;
      this.stopThreads();
    }
    const { threads } = this.targetThreads();
    if (threads <= 1) return undefined;
    if (this.pool !== undefined && this.pool.size >= threads - 1) return this.pool;
    if (!start) return undefined;
    const host = currentThreadHost().host;
    if (host === undefined) return undefined;
    this.stopThreads();
    const workers = threads - 1;
    while (this.workerWork.length < workers) {
      this.workerWork.push(this.host.reserve(this.host.workBytes));
    }
    // A fresh control block for every pool: a stopped pool's worker may still be reading its own.
    const control = this.host.reserve(poolControlBytes(workers));
    this.pool = new GemmPool(
      host,
      this.host.module,
      this.host.memory,
      control,
      this.workerWork.slice(0, workers),
    );
    if (this.pool.failureReason !== undefined) {
      this.poolFailure = this.pool.failureReason;
      this.stopThreads();
      return undefined;
    }
    return this.pool;
  }

  /**
   * C = alpha·op(A)·op(B) + beta·C on addresses in wasm memory (the exported GEMM's ABI, hence
   * positional): on the calling thread, or cut into parts for it and the ready workers when the
   * problem is big enough to repay the dispatch.
   * @example threads.compute(0, 1, m, n, k, 1, aPtr, bPtr, 0, cPtr);
   */
  compute(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
  ): void {
    const lda = ta ? m : k;
    const ldb = tb ? k : n;
    if (m * n * k >= this.parallelMinWork && this.threadPolicy !== 1) {
      // Started (if at all) by prepare(), before the caller laid out its scratch.
      const pool = this.currentPool(false);
      const workers = pool === undefined ? 0 : Math.min(pool.ready(), this.threads - 1);
      if (pool !== undefined && workers > 0) {
        const count = Math.min(workers + 1, MAX_PARTS);
        const parts = splitGemm(
          ta !== 0,
          tb !== 0,
          m,
          n,
          k,
          alpha,
          a,
          lda,
          b,
          ldb,
          beta,
          c,
          n,
          count,
        );
        if (parts.length > 1) {
          if (!this.autoSplit) {
            pool.run(parts, this.host.gemm, this.host.work);
            return;
          }
          const key = `${ta}${tb},${m},${n},${k},${parts.length}`;
          const split = this.chooser.choose(key);
          const t0 = performance.now();
          if (split) pool.run(parts, this.host.gemm, this.host.work);
          else this.host.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n, this.host.work);
          this.chooser.record(key, split, performance.now() - t0);
          if (!split) this.unsplit++;
          return;
        }
      }
    }
    this.host.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n, this.host.work);
  }

  /**
   * Starts the worker pool a GEMM of m·n·k = `work` needs, before the caller lays out its
   * scratch: starting it reserves memory (its packing workspaces, its control block, which is
   * zeroed) exactly where the scratch would otherwise lie.
   * @example threads.prepare(m * n * k); const scratch = heap.top;
   */
  prepare(work: number): void {
    if (work >= this.parallelMinWork && this.threadPolicy !== 1) this.currentPool(true);
  }
}
