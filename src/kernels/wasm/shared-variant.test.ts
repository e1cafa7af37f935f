import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../base64.js';
import {
  KERNELS_SHARED_MAX_PAGES,
  KERNELS_WASM_BASE64,
  KERNELS_WASM_SHARED_SHA256,
} from './generated/kernels-wasm.js';
import { sharedKernelsBytes } from './loader.js';
import { withSharedMemoryImport } from './shared-variant.js';
import { WasmKernels } from './wasm-kernels.js';

describe('withSharedMemoryImport', () => {
  it("derives asc's own shared-memory build, byte for byte (its SHA-256 from build-wasm)", () => {
    const hash = createHash('sha256').update(sharedKernelsBytes()).digest('hex');
    expect(hash).toBe(KERNELS_WASM_SHARED_SHA256);
  });

  it('instantiates on a shared memory and runs a kernel like the private build', () => {
    const shared = WasmKernels.fromBytes(sharedKernelsBytes());
    const own = WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64));
    expect(shared.allocResident(4)).not.toBeNull(); // only the shared build has resident memory
    expect(own.allocResident(4)).toBeNull();
  });

  it('refuses a binary without the expected layout', () => {
    const shared = sharedKernelsBytes();
    expect(() => withSharedMemoryImport(shared, KERNELS_SHARED_MAX_PAGES)).toThrow(
      /expected layout/,
    );
    expect(() =>
      withSharedMemoryImport(decodeBase64(KERNELS_WASM_BASE64).subarray(0, 12), 1),
    ).toThrow();
  });
});
