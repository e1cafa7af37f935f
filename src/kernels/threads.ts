import { ConfigError, fmt } from '../errors.js';
import { currentThreadHost } from './wasm/thread-host.js';
import { setThreadSetting, threadSetting } from './wasm/thread-setting.js';
import { GEMM_PARALLEL_MIN_WORK } from './wasm/gemm-threads.js';
import { loadWasmKernels } from './wasm/loader.js';
import type { WasmKernels } from './wasm/wasm-kernels.js';
import { getKernels } from './backend.js';
import { loadNativeKernels, nativeStatus, syncNativeThreads } from './native/loader.js';

/**
 * What {@link threadsInfo} reports.
 * @example const { active, reason } = threadsInfo();
 */
export interface ThreadsInfo {
  /** The setting: a thread count, or 'auto' (the default). */
  readonly setting: number | 'auto';
  /** Threads large float32 GEMMs may be split over once the workers are up (getThreads()). */
  readonly threads: number;
  /** Threads the next large GEMM would actually use (workers start lazily, asynchronously). */
  readonly active: number;
  /** The worker provider, e.g. 'Node worker_threads', or undefined when there is none. */
  readonly host: string | undefined;
  /** Logical CPUs the host reports (1 without a host). */
  readonly concurrency: number;
  /** m·n·k from which a GEMM is split over the threads. */
  readonly minWork: number;
  /** Why fewer threads than asked for run, if so (no SharedArrayBuffer, no host, a failed start). */
  readonly reason: string | undefined;
  /**
   * Which kernels large problems run on and why, in one line: e.g. 'native (AVX2+FMA, 2
   * threads)' or 'wasm (native addon not built: no C compiler)'.
   */
  readonly backend: string;
}

// The one line of ThreadsInfo.backend, under the current kernel choice.
function backendLine(wk: WasmKernels | undefined): string {
  const choice = getKernels();
  if (choice === 'js') return "js (setKernels('js'))";
  const st = nativeStatus();
  const addon = loadNativeKernels();
  if (st.loaded && addon !== undefined && choice !== 'wasm') {
    const n = addon.info().threads;
    return `native (${st.isa}, ${n} thread${n === 1 ? '' : 's'})`;
  }
  const why = choice === 'wasm' ? "setKernels('wasm')" : st.loaded ? '' : st.reason;
  if (wk === undefined) return `js (${why}; the WebAssembly kernels are unavailable)`;
  return `wasm (${why})`;
}

function kernelsIfLoadable(): WasmKernels | undefined {
  try {
    return loadWasmKernels();
  } catch {
    return undefined;
  }
}

/**
 * Sets how many threads large float32 GEMMs (m·n·k ≥ GEMM_PARALLEL_MIN_WORK, on the wasm kernels)
 * may be split over: a count in [1, 64], or 'auto' (the default) = min(logical CPUs, 4). The
 * calling thread and worker threads on the same shared wasm memory compute the parts (the results
 * are bit-identical to one thread's); each GEMM shape is split only while that measures faster
 * than the calling thread alone (not on a machine whose other cores are busy). Smaller GEMMs,
 * float64 and the JS kernels stay on the calling thread. Workers start at the first GEMM that
 * would use them (or with {@link initThreads}) and never keep a Node process alive. Where threads
 * are unavailable (no SharedArrayBuffer, e.g. a browser page that is not cross-origin isolated,
 * or no thread host) GEMMs run on one thread and {@link threadsInfo} says why.
 * @example setThreads(1); // single-threaded, e.g. for timing
 */
export function setThreads(threads: number | 'auto'): void {
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new ConfigError(
      `setThreads: threads must be 'auto' or an integer in [1, 64], got ${fmt(threads)}`,
    );
  }
  setThreadSetting(threads);
  syncNativeThreads();
}

/**
 * Threads large float32 GEMMs may be split over: the setting resolved for this environment (1
 * where threads are unavailable).
 * @example setThreads(2); getThreads() // 2 in Node, 1 in a page without cross-origin isolation
 */
export function getThreads(): number {
  const wk = kernelsIfLoadable();
  return wk === undefined ? 1 : wk.threads;
}

/**
 * The thread setting, what runs now, and why fewer threads run than asked for (if so).
 * @example console.log(threadsInfo()); // { setting: 'auto', threads: 2, active: 2, host: 'Node worker_threads', ... }
 */
export function threadsInfo(): ThreadsInfo {
  const { host } = currentThreadHost();
  const { setting } = threadSetting();
  const wk = kernelsIfLoadable();
  return {
    setting,
    threads: wk === undefined ? 1 : wk.threads,
    active: wk === undefined ? 1 : wk.activeThreads,
    host: host?.name,
    concurrency: host?.concurrency ?? 1,
    minWork: GEMM_PARALLEL_MIN_WORK,
    reason:
      wk === undefined
        ? setting === 1
          ? undefined
          : 'the WebAssembly kernels are unavailable'
        : wk.threadsUnavailable,
    backend: backendLine(wk),
  };
}

/**
 * Starts the worker threads now instead of at the first large GEMM, and resolves to the number
 * of threads large GEMMs run on once they are ready (1 if threads are unavailable or failed to
 * start; see {@link threadsInfo}).
 * @example await initThreads(); // e.g. before timing a training loop
 */
export async function initThreads(): Promise<number> {
  const wk = kernelsIfLoadable();
  return wk === undefined ? 1 : wk.whenThreadsReady();
}

/**
 * Stops the worker threads; later large GEMMs start them again if the setting asks for more
 * than one thread. Not needed before exit (workers never keep the process alive).
 * @example stopThreads();
 */
export function stopThreads(): void {
  kernelsIfLoadable()?.stopThreads();
}
