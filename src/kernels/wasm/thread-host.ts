import { createNodeThreadHost, nodeWorkerThreads } from './thread-host-node.js';
import { webThreadHost } from './thread-host-web.js';

/**
 * A worker started by a {@link ThreadHost}: it runs the GEMM worker loop on the shared memory.
 * @example const w = host.spawn(source, init); w.terminate();
 */
export interface ThreadWorker {
  /** The next error message the worker reported, if any (read synchronously). */
  takeMessage(): string | undefined;
  /** Stops the worker (asynchronously); it must not keep the process or page alive. */
  terminate(): void;
  /**
   * Why the worker died before it could report anything itself (e.g. its script failed to
   * load), if the host has learnt so; undefined while it is alive or when unknown.
   */
  died?(): string | undefined;
}

/**
 * What a JavaScript environment must provide for the threaded GEMM: a way to start workers that
 * run a given function source on structured-cloneable data, and whether the calling thread may
 * block in `Atomics.wait` (browser main threads may not; they spin instead).
 * @example registerThreadHost(myBrowserHost); // e.g. Blob-URL Web Workers in a cross-origin-isolated page
 */
export interface ThreadHost {
  /** Name shown by threadsInfo(), e.g. 'Node worker_threads'. */
  readonly name: string;
  /** Logical CPUs available to this process (the 'auto' thread count is derived from it). */
  readonly concurrency: number;
  /** True when the calling thread may use Atomics.wait. */
  readonly canBlock: boolean;
  /**
   * Starts a worker that evaluates `source` (a function expression) and calls it as
   * `fn(init, report, onExit)`: `report(message)` must make the message available to
   * {@link ThreadWorker.takeMessage}, and `onExit(cb)` must call cb when the worker exits.
   */
  spawn(source: string, init: object): ThreadWorker;
}

let registered: ThreadHost | null | undefined;
let detected: { host: ThreadHost | undefined; reason: string } | undefined;

/**
 * Installs the worker provider for the threaded GEMM (`undefined` restores auto-detection, `null`
 * disables threads). Node (≥ 20.16, worker_threads) and cross-origin-isolated browsers (Web
 * Workers) are detected automatically.
 * @example registerThreadHost(null); // single-threaded from now on
 */
export function registerThreadHost(host: ThreadHost | null | undefined): void {
  registered = host;
}

function detect(): { host: ThreadHost | undefined; reason: string } {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    return {
      host: undefined,
      reason:
        'SharedArrayBuffer is not available (in a browser the page must be cross-origin isolated)',
    };
  }
  const wt = nodeWorkerThreads();
  if (wt === undefined) {
    const web = webThreadHost();
    if (web !== undefined) return { host: web, reason: '' };
    return {
      host: undefined,
      reason:
        'no thread host: worker threads are detected in Node ≥ 20.16 and in cross-origin-isolated browsers; elsewhere call registerThreadHost()',
    };
  }
  try {
    return { host: createNodeThreadHost(wt), reason: '' };
  } catch (e) {
    return { host: undefined, reason: `node:worker_threads failed: ${(e as Error).message}` };
  }
}

/**
 * The host threads would be started with, or why there is none.
 * @example const { host, reason } = currentThreadHost();
 */
export function currentThreadHost(): { host: ThreadHost | undefined; reason: string } {
  if (registered === null)
    return { host: undefined, reason: 'threads disabled by registerThreadHost(null)' };
  if (registered !== undefined) return { host: registered, reason: '' };
  detected ??= detect();
  return detected;
}
