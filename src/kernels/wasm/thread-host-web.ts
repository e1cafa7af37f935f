import type { ThreadHost, ThreadWorker } from './thread-host.js';

// The few Web APIs used, typed locally so that the core type-checks without DOM types.
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onerror: ((event: { message?: string }) => void) | null;
}
interface WebGlobals {
  crossOriginIsolated?: boolean;
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  navigator?: { hardwareConcurrency?: number };
  document?: unknown;
}

/** Bytes of the per-worker message box (longer error messages are cut). */
const BOX_BYTES = 2048;

/**
 * A {@link ThreadHost} on Web Workers started from a Blob URL, for cross-origin-isolated pages
 * and workers (the only places with SharedArrayBuffer). A browser's main thread may not block,
 * so it polls while the workers finish (canBlock false); inside a Web Worker it sleeps in
 * Atomics.wait. Error messages come back through a small shared message box, readable while the
 * caller is busy waiting (no event loop needed). Undefined where any of this is missing.
 * @example const host = webThreadHost(); if (host) registerThreadHost(host);
 */
export function webThreadHost(): ThreadHost | undefined {
  const g = globalThis as unknown as WebGlobals;
  const { Worker, Blob, URL } = g;
  if (
    g.crossOriginIsolated !== true ||
    Worker === undefined ||
    Blob === undefined ||
    URL === undefined ||
    typeof SharedArrayBuffer === 'undefined'
  ) {
    return undefined;
  }
  return {
    name: 'web-workers',
    concurrency: Math.max(1, g.navigator?.hardwareConcurrency ?? 1),
    canBlock: g.document === undefined,
    spawn(source: string, init: object): ThreadWorker {
      const box = new SharedArrayBuffer(8 + BOX_BYTES);
      const length = new Int32Array(box, 0, 1);
      const bytes = new Uint8Array(box, 8);
      const code =
        `onmessage = (e) => {\n` +
        `  onmessage = null;\n` +
        `  const length = new Int32Array(e.data.box, 0, 1);\n` +
        `  const bytes = new Uint8Array(e.data.box, 8);\n` +
        `  const report = (m) => {\n` +
        `    const text = new TextEncoder().encode(String(m)).slice(0, bytes.length);\n` +
        `    bytes.set(text);\n` +
        `    Atomics.store(length, 0, text.length);\n` +
        `  };\n` +
        `  (${source})(e.data.init, report, () => {});\n` +
        `};\n`;
      // The URL is revoked with the worker: revoking it at once may race the script's fetch.
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const worker = new Worker(url);
      let death: string | undefined;
      worker.onerror = (event) => {
        death ??= event.message ?? 'the worker failed';
      };
      worker.postMessage({ init, box });
      return {
        takeMessage(): string | undefined {
          const n = Atomics.exchange(length, 0, 0);
          // TextDecoder refuses views of shared memory: decode a copy.
          return n > 0 ? new TextDecoder().decode(bytes.slice(0, n)) : undefined;
        },
        terminate(): void {
          worker.terminate();
          URL.revokeObjectURL(url);
        },
        died(): string | undefined {
          return death;
        },
      };
    },
  };
}
