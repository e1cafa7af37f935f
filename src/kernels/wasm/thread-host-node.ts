// Node-only: the worker_threads provider of the threaded GEMM. It never imports a `node:` module
// statically (the browser bundle reaches this file through thread-host.ts): the built-ins are
// fetched at run time with process.getBuiltinModule (Node ≥ 20.16), and the few members used are
// typed locally so that the core type-checks without @types/node.
import type { ThreadHost, ThreadWorker } from './thread-host.js';

/**
 * The members of a `MessagePort` the thread host uses.
 * @inline
 */
interface NodeMessagePort {
  /** Sends `message`, moving the `transfer` objects. */
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  /** Lets the process exit while the port is open. */
  unref(): void;
  /** Closes the port. */
  close(): void;
}
/**
 * The members of a `Worker` the thread host uses.
 * @inline
 */
interface NodeWorker {
  /** Lets the process exit while the worker runs. */
  unref(): void;
  /** Stops the worker; resolves to its exit code. */
  terminate(): Promise<number>;
  /** Listens for the worker's error or exit. */
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): void;
}
/**
 * The members of `node:worker_threads` the thread host uses.
 * @example const wt = nodeWorkerThreads();
 */
export interface NodeWorkerThreads {
  Worker: new (
    code: string,
    options: {
      eval: true;
      workerData: unknown;
      transferList: readonly unknown[];
      execArgv: string[];
    },
  ) => NodeWorker;
  MessageChannel: new () => { port1: NodeMessagePort; port2: NodeMessagePort };
  /** Takes one pending message off `port` synchronously (undefined when there is none). */
  receiveMessageOnPort(port: NodeMessagePort): { message: unknown } | undefined;
  isMainThread: boolean;
}
interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  versions?: { node?: string };
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node === undefined ? undefined : p;
}

/**
 * `node:worker_threads` when running in Node ≥ 20.16 (process.getBuiltinModule), else undefined.
 * @example if (nodeWorkerThreads()) console.log('threads available');
 */
export function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const p = nodeProcess();
  if (p?.getBuiltinModule === undefined) return undefined;
  try {
    return p.getBuiltinModule('node:worker_threads') as NodeWorkerThreads;
  } catch {
    return undefined;
  }
}

function nodeConcurrency(): number {
  try {
    const os = nodeProcess()?.getBuiltinModule?.('node:os') as
      { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
    if (os === undefined) return 1;
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  } catch {
    return 1;
  }
}

/**
 * A {@link ThreadHost} on Node's worker_threads: eval'd workers (no worker file to resolve, so it
 * works the same from sources, tsx, vitest and dist), unref'd so that they never keep the process
 * alive; errors come back on a MessagePort read synchronously with receiveMessageOnPort (the
 * caller is blocked in Atomics.wait, its event loop does not turn).
 * @example registerThreadHost(createNodeThreadHost(nodeWorkerThreads()!));
 */
export function createNodeThreadHost(wt: NodeWorkerThreads): ThreadHost {
  return {
    name: 'Node worker_threads',
    concurrency: nodeConcurrency(),
    canBlock: true,
    spawn(source: string, init: object): ThreadWorker {
      const { port1, port2 } = new wt.MessageChannel();
      const code =
        `const { workerData } = process.getBuiltinModule('node:worker_threads');\n` +
        `const fn = (${source});\n` +
        `fn(workerData.init, (m) => workerData.port.postMessage(m), (cb) => process.on('exit', cb));\n`;
      const worker = new wt.Worker(code, {
        eval: true,
        workerData: { init, port: port2 },
        transferList: [port2],
        // Not the parent's flags: --input-type=module, loaders or --cpu-prof would change how
        // the eval'd CommonJS above runs, and it needs none of them.
        execArgv: [],
      });
      worker.unref();
      port1.unref();
      let death: string | undefined;
      // A worker that fails before its loop runs (its script, out of memory at start-up) is
      // only reported here, asynchronously, once the caller's event loop turns.
      worker.on('error', (e) => {
        death ??= String((e as Error)?.message ?? e);
      });
      worker.on('exit', (code) => {
        death ??= `the worker exited with code ${String(code)}`;
      });
      return {
        takeMessage(): string | undefined {
          const m = wt.receiveMessageOnPort(port1);
          return m === undefined ? undefined : String(m.message);
        },
        terminate(): void {
          void worker.terminate();
          port1.close();
        },
        died(): string | undefined {
          return death;
        },
      };
    },
  };
}
