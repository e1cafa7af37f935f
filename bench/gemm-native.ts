// GEMM on gradscope's native kernels (issue 22), float32 N×N, 1 and 2 threads, through the
// routed gemm() entry (setKernels('native')), best of a few timed runs per size. Run by
// `npm run bench` (the GEMM section's native columns); alone:
//   npx tsx bench/gemm-native.ts [128,256,512,1024]
// Prints `BENCH_RESULT {"ok": true, "isa": …, "gemm": [{ n, threads1, threads2 }]}` (GFLOP/s), or
// {"ok": false, "error"} when the addon is not built.
import { gemm } from '../src/kernels/backend.js';
import { nativeStatus } from '../src/kernels/native/loader.js';
import { setKernels, setThreads } from '../src/kernels/index.js';
import { Rng } from '../src/tensor/rng.js';
import { RESULT_PREFIX } from './workloads/protocol.js';

const sizes = (process.argv[2] ?? '128,256,512,1024').split(',').map(Number);

function gflops(n: number, threads: number): number {
  setThreads(threads);
  const rng = new Rng(n);
  const a = rng.fillNormal(new Float32Array(n * n));
  const b = rng.fillNormal(new Float32Array(n * n));
  const c = new Float32Array(n * n);
  const call = {
    transA: false,
    transB: false,
    m: n,
    n,
    k: n,
    alpha: 1,
    a,
    aOffset: 0,
    b,
    bOffset: 0,
    beta: 0,
    c,
    cOffset: 0,
  };
  gemm(call); // warm-up: the pool's workers start, packing buffers grow
  const reps = Math.max(1, Math.round(2e9 / (2 * n * n * n))); // ~2 GFLOP per timed run
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) gemm(call);
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return (2 * n * n * n) / (best * 1e6);
}

const st = nativeStatus();
if (!st.loaded) {
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify({ ok: false, error: st.reason })}\n`);
} else {
  setKernels('native');
  const gemmRows = sizes.map((n) => ({ n, threads1: gflops(n, 1), threads2: gflops(n, 2) }));
  for (const r of gemmRows)
    console.log(
      `native GEMM N=${r.n}: ${r.threads1.toFixed(1)} GFLOP/s 1 thread, ${r.threads2.toFixed(1)} 2 threads`,
    );
  process.stdout.write(
    `\n${RESULT_PREFIX}${JSON.stringify({ ok: true, isa: st.isa, gemm: gemmRows })}\n`,
  );
}
