import { execFileSync } from 'node:child_process';

/** Builds the WebAssembly kernels (a no-op when up to date) so a bare `vitest run` works too. */
export function setup(): void {
  execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
}
