// One single-threaded wasm GEMM loop (N×N, operands in wasm memory) for a fixed time: the unit
// of the machine-scaling probe of `npm run bench` (bench/peak/scaling.ts runs one alone, then two
// at once, to measure how much two busy cores of this machine deliver together).
// Prints `BENCH_RESULT {"ok":true,"gflops":…}`.
//   node --import tsx bench/peak/gemm-solo.ts 1024 6
import { loadWasmKernels } from '../../src/kernels/wasm/loader.js';
import { RESULT_PREFIX } from '../workloads/protocol.js';

const n = Number(process.argv[2] ?? 1024);
const seconds = Number(process.argv[3] ?? 6);
const wk = loadWasmKernels();
wk.setThreads(1);
const a = wk.reserve(n * n * 4);
const b = wk.reserve(n * n * 4);
const c = wk.reserve(n * n * 4);
wk.f32View(a, n * n).fill(0.5);
wk.f32View(b, n * n).fill(0.25);
wk.gemmF32Ptr({
  transA: false,
  transB: false,
  m: n,
  n,
  k: n,
  alpha: 1,
  aPtr: a,
  bPtr: b,
  beta: 0,
  cPtr: c,
}); // warm-up (tier-up of the kernel)
const t0 = performance.now();
let done = 0;
while (performance.now() - t0 < seconds * 1000) {
  wk.gemmF32Ptr({
    transA: false,
    transB: false,
    m: n,
    n,
    k: n,
    alpha: 1,
    aPtr: a,
    bPtr: b,
    beta: 0,
    cPtr: c,
  });
  done++;
}
const gflops = (2 * n ** 3 * done) / ((performance.now() - t0) * 1e6);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ ok: true, gflops })}\n`);
