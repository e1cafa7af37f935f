import { GradscopeError } from '../../errors.js';
import { decodeBase64 } from '../../base64.js';
import { KERNELS_SHARED_MAX_PAGES, KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';
import { withSharedMemoryImport } from './shared-variant.js';
import { WasmKernels } from './wasm-kernels.js';

// The loader: the one shared kernels instance of the process, compiled from the bundled binary.

let instance: WasmKernels | undefined;
let failure: Error | undefined;

// The threaded build wherever a shared memory can be created (Node; browsers only when
// cross-origin isolated), else the private-memory build.
function sharedMemoryUsable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer !== 'undefined' && g.crossOriginIsolated !== false;
}

/**
 * The shared-memory build of the bundled kernels (derived from the private build: see
 * shared-variant.ts).
 * @example WasmKernels.fromBytes(sharedKernelsBytes());
 */
export function sharedKernelsBytes(): Uint8Array {
  return withSharedMemoryImport(decodeBase64(KERNELS_WASM_BASE64), KERNELS_SHARED_MAX_PAGES);
}

function adopt(wk: WasmKernels): WasmKernels {
  wk.setThreads('global');
  instance = wk;
  failure = undefined;
  return wk;
}

/**
 * The shared kernels instance, compiled synchronously on first use from the bundled binary (the
 * shared-memory build where SharedArrayBuffer is available, so that large GEMMs can use worker
 * threads per setThreads(); the private-memory build otherwise). Throws a GradscopeError (with
 * the engine's reason) when WebAssembly or SIMD is unavailable; the failure is remembered, so
 * later calls throw at once.
 * @example const wk = loadWasmKernels();
 */
export function loadWasmKernels(): WasmKernels {
  if (instance !== undefined) return instance;
  if (failure === undefined) {
    if (sharedMemoryUsable()) {
      try {
        return adopt(WasmKernels.fromBytes(sharedKernelsBytes()));
      } catch {
        // e.g. a shared memory of this maximum cannot be reserved: the private build below
      }
    }
    try {
      return adopt(WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64)));
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
  }
  throw new GradscopeError(
    `the WebAssembly SIMD kernels could not be instantiated: ${failure.message}`,
  );
}

/**
 * Like {@link loadWasmKernels} but compiles asynchronously, for environments that forbid large
 * synchronous compiles (browser main threads). Resolves to undefined instead of throwing.
 * @example await loadWasmKernelsAsync(); // later sync calls reuse the instance
 */
export async function loadWasmKernelsAsync(): Promise<WasmKernels | undefined> {
  if (instance !== undefined) return instance;
  if (sharedMemoryUsable()) {
    try {
      return adopt(await WasmKernels.fromBytesAsync(sharedKernelsBytes()));
    } catch {
      // the private build below
    }
  }
  try {
    return adopt(await WasmKernels.fromBytesAsync(decodeBase64(KERNELS_WASM_BASE64)));
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    return undefined;
  }
}

/**
 * Why the kernels could not be loaded, or undefined if they loaded or were never tried.
 * @example if (wasmKernelsFailure()) console.warn(wasmKernelsFailure()?.message);
 */
export function wasmKernelsFailure(): Error | undefined {
  return failure;
}
