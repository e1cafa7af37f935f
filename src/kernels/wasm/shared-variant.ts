import { GradscopeError } from '../../errors.js';

// The shared-memory build of the kernels, derived from the private one at load time: the two
// compilations differ only in where memory 0 comes from (a memory section `(memory 0)` in the
// private build, an import `env.memory` (shared, 1 page, maximum `maxPages`) in the shared one;
// the code, types and exports are the same bytes, and the kernels have no data segments). So
// the package ships one binary, not two (issue 13's 250 kB page budget), and
// `shared-variant.test.ts` checks the result against the hash of asc's own shared build.

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= bytes.length) throw new GradscopeError('wasm: truncated LEB128 in the kernels binary');
    const b = bytes[p++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, p];
    shift += 7;
  }
}

/** Unsigned LEB128 bytes of `n`. */
function leb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/**
 * The same module with its one defined memory replaced by an imported shared memory
 * `env.memory` (initial 1 page, maximum `maxPages`): what AssemblyScript emits with
 * `--importMemory --sharedMemory --initialMemory 1 --maximumMemory maxPages`. Throws a
 * GradscopeError on a binary it does not expect (imports already present, no memory section,
 * several memories).
 * @example const sharedBytes = withSharedMemoryImport(privateBytes, 32768);
 */
export function withSharedMemoryImport(bytes: Uint8Array, maxPages: number): Uint8Array {
  const sections: { id: number; body: Uint8Array }[] = [];
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++] as number;
    const [size, start] = readLeb(bytes, p);
    sections.push({ id, body: bytes.subarray(start, start + size) });
    p = start + size;
  }
  const memory = sections.find((s) => s.id === 5);
  if (sections.some((s) => s.id === 2) || memory === undefined || memory.body[0] !== 1)
    throw new GradscopeError(
      'wasm: the kernels binary does not have the expected layout (one defined memory, no imports)',
    );
  const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  // 1 import: "env" "memory", kind memory (2), limits flags 3 (has maximum, shared)
  const importBody = [1, ...name('env'), ...name('memory'), 2, 3, ...leb(1), ...leb(maxPages)];
  const parts: number[][] = [Array.from(bytes.subarray(0, 8))];
  let imported = false;
  for (const s of sections) {
    if (s.id === 5) continue;
    // the import section goes after the type section (1), before the function section (3)
    if (!imported && s.id > 2) {
      parts.push([2, ...leb(importBody.length), ...importBody]);
      imported = true;
    }
    parts.push([s.id, ...leb(s.body.length), ...Array.from(s.body)]);
  }
  const out = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
  let q = 0;
  for (const x of parts) {
    out.set(x, q);
    q += x.length;
  }
  return out;
}
