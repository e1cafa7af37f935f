import { currentThreadHost } from '../wasm/thread-host.js';
import { resolveThreads, threadSetting } from '../wasm/thread-setting.js';
import type { NativeAddon } from './addon.js';

// Loads the optional native kernels (issue 22): build/Release/gradscope_native.node at the
// package root, built at install by native/build.mjs when a compiler is present. Node only (the
// browser never reaches the require); everything that can go wrong becomes a reason string.

/**
 * Whether the native kernels are loaded, and if not, why (for threadsInfo()).
 * @example const s = nativeStatus(); if (!s.loaded) console.log(s.reason);
 */
export type NativeStatus =
  | { readonly loaded: true; readonly isa: string }
  | { readonly loaded: false; readonly reason: string };

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
}
type RequireFn = (id: string) => unknown;
interface NodeModuleApi {
  createRequire(url: string): RequireFn;
}
interface NodeFs {
  readFileSync(path: URL, enc: 'utf8'): string;
}

/** The addon and the status file, relative to this module (src/ or dist/: both 3 levels deep). */
const ADDON = '../../../build/Release/gradscope_native.node';
const STATUS = '../../../build/gradscope-native-status.json';

let addon: NativeAddon | undefined;
let status: NativeStatus | undefined;

function whyAbsent(): string {
  try {
    const fs = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:fs') as
      NodeFs | undefined;
    const s = JSON.parse(fs?.readFileSync(new URL(STATUS, import.meta.url), 'utf8') ?? '{}') as {
      reason?: string;
    };
    if (typeof s.reason === 'string') return `native addon not built: ${s.reason}`;
  } catch {
    // no status file: the install script did not run (e.g. npm install --ignore-scripts)
  }
  return 'native addon not built (run `npm run build:native` in the package to build it)';
}

/**
 * The native addon, loaded on first call, or undefined (see {@link nativeStatus} for why):
 * outside Node, with GRADSCOPE_NATIVE=0, or when the install did not build it.
 * @example const addon = loadNativeKernels(); addon?.gemm(...);
 */
export function loadNativeKernels(): NativeAddon | undefined {
  if (status !== undefined) return addon;
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.getBuiltinModule === undefined) {
    status = { loaded: false, reason: 'not Node' };
    return undefined;
  }
  if (proc.env?.GRADSCOPE_NATIVE === '0') {
    status = { loaded: false, reason: 'native kernels disabled by GRADSCOPE_NATIVE=0' };
    return undefined;
  }
  const req = (proc.getBuiltinModule('node:module') as NodeModuleApi).createRequire(
    import.meta.url,
  );
  try {
    addon = req(ADDON) as NativeAddon;
    status = { loaded: true, isa: addon.info().isa };
    syncNativeThreads();
  } catch (e) {
    const code = (e as { code?: string }).code;
    status = {
      loaded: false,
      reason:
        code === 'MODULE_NOT_FOUND'
          ? whyAbsent()
          : `native addon failed to load: ${String((e as Error).message).split('\n')[0]}`,
    };
    addon = undefined;
  }
  return addon;
}

/**
 * Whether the native kernels loaded (loading them if not tried yet) and the reason if not.
 * @example nativeStatus() // { loaded: true, isa: 'AVX2+FMA' }
 */
export function nativeStatus(): NativeStatus {
  loadNativeKernels();
  return status as NativeStatus;
}

/**
 * Gives the addon's thread pool the thread setting (setThreads), resolved as for wasm: 'auto' is
 * min(logical CPUs, AUTO_MAX_THREADS). Results do not depend on it (bit-identical).
 * @example setThreadSetting(2); syncNativeThreads();
 */
export function syncNativeThreads(): void {
  addon?.setThreads(resolveThreads(threadSetting().setting, currentThreadHost().host));
}
