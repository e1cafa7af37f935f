import type { ThreadHost } from './thread-host.js';

/**
 * 'auto' never uses more threads than this: past 4 the duplicated packing and the memory
 * bandwidth eat the gain for the GEMM sizes of a training step.
 * @example resolveThreads('auto', host) // min(host.concurrency, AUTO_MAX_THREADS)
 */
export const AUTO_MAX_THREADS = 4;

let setting: number | 'auto' = 'auto';

/**
 * The global thread setting (see setThreads in ../threads.ts).
 * @example const { setting } = threadSetting();
 */
export function threadSetting(): { setting: number | 'auto' } {
  return { setting };
}

/**
 * Replaces the global thread setting (validated by the caller).
 * @example setThreadSetting(2);
 */
export function setThreadSetting(next: number | 'auto'): void {
  setting = next;
}

/**
 * Threads a setting asks for with this host: 'auto' = min(concurrency, AUTO_MAX_THREADS), or
 * AUTO_MAX_THREADS without a host (the caller then runs one and reports why).
 * @example resolveThreads('auto', undefined) // AUTO_MAX_THREADS
 */
export function resolveThreads(s: number | 'auto', host: ThreadHost | undefined): number {
  if (s !== 'auto') return s;
  return host === undefined
    ? AUTO_MAX_THREADS
    : Math.max(1, Math.min(host.concurrency, AUTO_MAX_THREADS));
}
