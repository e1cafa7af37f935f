// Measures this machine's native SIMD float32 peaks of one core (see peak.c): 128-bit (the
// ceiling of WebAssembly SIMD), 256-bit AVX2 FMA (the ceiling of the native backend) and 512-bit
// AVX-512 FMA when the CPU has it, so that GEMM results can be read as a fraction of what the
// hardware allows in the same run:
//   npx tsx bench/peak/native-peak.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The native peak, or why it could not be measured. */
export type NativePeak =
  | {
      ok: true;
      mulAdd: number;
      fma: number;
      fma256: number;
      fma512: number | null;
      runs: number;
    }
  | { ok: false; reason: string };

/**
 * Compiles peak.c with gcc and runs it `runs` times; the best run is the peak (anything else on
 * the machine can only slow a run down).
 * @example const p = measureNativePeak(); if (p.ok) console.log(p.mulAdd);
 */
export function measureNativePeak(runs = 3): NativePeak {
  if (process.arch !== 'x64') return { ok: false, reason: `not x86-64 (${process.arch})` };
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-peak-'));
  try {
    const src = join(dirname(fileURLToPath(import.meta.url)), 'peak.c');
    const exe = join(dir, 'peak');
    try {
      execFileSync('gcc', ['-O2', '-mavx2', '-mfma', src, '-o', exe], { stdio: 'pipe' });
    } catch (e) {
      return {
        ok: false,
        reason: `gcc failed or is missing: ${(e as Error).message.split('\n')[0]}`,
      };
    }
    let mulAdd = 0;
    let fma = 0;
    let fma256 = 0;
    let fma512: number | null = null;
    for (let r = 0; r < runs; r++) {
      const out = JSON.parse(execFileSync(exe, { encoding: 'utf8' })) as {
        mulAdd: number;
        fma: number;
        fma256: number;
        fma512: number | null;
      };
      mulAdd = Math.max(mulAdd, out.mulAdd);
      fma = Math.max(fma, out.fma);
      fma256 = Math.max(fma256, out.fma256);
      if (out.fma512 !== null) fma512 = Math.max(fma512 ?? 0, out.fma512);
    }
    return { ok: true, mulAdd, fma, fma256, fma512, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(measureNativePeak()));
}
