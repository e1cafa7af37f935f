// jax-js float32 GEMM (wasm device, jit, one thread in Node) for the GEMM table of `npm run bench`:
// C = A·B for N×N, GFLOP/s = 2N³ / median time, the result read back (dataSync), as TensorFlow.js'
// dataSync in bench/gemm.ts. Prints `BENCH_RESULT {json}`.
//   node --import tsx bench/workloads/gemm-jax.ts 128,256,512,1024
import type { Array as JaxArray } from '@jax-js/jax';
import { Rng } from '../../src/tensor/rng.js';
import { packageVersion } from './package-version.js';
import { RESULT_PREFIX, median } from './protocol.js';

const sizes = (process.argv[2] ?? '128,256,512,1024').split(',').map(Number);
let out: unknown;
try {
  const g = globalThis as { navigator?: unknown };
  if (g.navigator === undefined) g.navigator = { hardwareConcurrency: 1, userAgent: 'node' };
  const jax = await import('@jax-js/jax');
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const np = jax.numpy;
  const mm = jax.jit((a: JaxArray, b: JaxArray) => np.matmul(a, b));
  const rng = new Rng(2024);
  const rows: { n: number; gflops: number }[] = [];
  for (const n of sizes) {
    const a = np.array(rng.fillNormal(new Float32Array(n * n))).reshape([n, n]);
    const b = np.array(rng.fillNormal(new Float32Array(n * n))).reshape([n, n]);
    const reps = n <= 128 ? 31 : n <= 256 ? 15 : n <= 512 ? 7 : 5;
    const times: number[] = [];
    for (let r = 0; r < reps + 2; r++) {
      const t0 = performance.now();
      mm(a.ref, b.ref).dataSync(); // dataSync consumes the result
      if (r >= 2) times.push(performance.now() - t0);
    }
    a.dispose();
    b.dispose();
    rows.push({ n, gflops: (2 * n ** 3) / (median(times) * 1e6) });
  }
  out = {
    ok: true,
    system: 'jax-js',
    version: `jax-js ${packageVersion('@jax-js/jax') ?? '?'} (wasm, jit, 1 thread)`,
    gemm: rows,
  };
} catch (e) {
  out = { ok: false, system: 'jax-js', error: (e as Error).message.split('\n')[0] };
}
process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(out)}\n`);
