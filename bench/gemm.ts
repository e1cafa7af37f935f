// `npm run bench:gemm`: float32 GEMM throughput of gradscope's kernels (WebAssembly SIMD and JS)
// next to TensorFlow.js' wasm backend (XNNPACK, single-threaded), measured in the same run on one
// thread; gradscope's wasm GEMM on 2 threads (worker threads on shared memory) beside its 1-thread
// numbers, for squares and for the GEMMs of an MLP training step; and the small-size crossovers
// that set the 'auto' dispatch thresholds (JS vs wasm, 1 vs 2 threads).
//
// GFLOP/s = 2·N³ / time, time = median of several repetitions after warm-up.
// Prints markdown tables and writes bench/results/gemm.json.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GEMM_WASM_MIN_WORK, IM2COL_WASM_MIN_SIZE } from '../src/kernels/backend.js';
import { convGeometry } from '../src/kernels/conv-geometry.js';
import { gemmJs } from '../src/kernels/js/gemm.js';
import { im2colJs } from '../src/kernels/js/im2col.js';
import { GEMM_PARALLEL_MIN_WORK } from '../src/kernels/wasm/gemm-threads.js';
import { loadWasmKernels } from '../src/kernels/wasm/loader.js';
import { Rng } from '../src/tensor/rng.js';

const SIZES = [128, 256, 512, 1024];
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Median wall time (ms) of `reps` runs after `warmup` runs. */
function medianMs(fn: () => void, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * Median wall time (ms) of each function, the repetitions interleaved (f1, f2, f3, f1, f2, ...)
 * so that a slow phase of a shared machine hits every contender alike.
 */
function medianMsInterleaved(fns: ReadonlyArray<() => void>, reps: number, warmup = 2): number[] {
  for (let i = 0; i < warmup; i++) for (const fn of fns) fn();
  const times = fns.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      times[i]?.push(performance.now() - t0);
    });
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)] as number;
  });
}

/** Median time (µs) of a short call, each sample timing enough calls to last ~10 ms. */
function medianUs(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < 7; r++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < 10);
    samples.push(((performance.now() - t0) * 1000) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[3] as number;
}

function repsFor(n: number): number {
  return n <= 128 ? 31 : n <= 256 ? 15 : n <= 512 ? 7 : 5;
}

function gflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms * 1e6);
}

function randomF32(rng: Rng, length: number): Float32Array {
  const out = new Float32Array(length);
  rng.fillNormal(out);
  return out;
}

// --- TensorFlow.js (wasm backend), loaded so that a missing or broken install is reported ---

interface TfTensor {
  dataSync(): unknown;
  dispose(): void;
}
interface TfCore {
  version_core: string;
  env(): { set(flag: string, value: boolean): void; getBool(flag: string): boolean };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tensor2d(values: Float32Array, shape: [number, number]): TfTensor;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
}
interface TfWasm {
  setWasmPaths(prefix: string): void;
}

async function loadTfjsWasm(): Promise<{ tf: TfCore; versionWasm: string } | { error: string }> {
  try {
    const tf = (await import('@tensorflow/tfjs-core')) as unknown as TfCore;
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as TfWasm;
    const pkgPath = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    const versionWasm = (require(pkgPath) as { version: string }).version;
    // Single-threaded: the non-threaded SIMD binary, read from node_modules (no fetch in Node).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths(`${path.join(path.dirname(pkgPath), 'dist')}${path.sep}`);
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'wasm')
      return { error: `tf.setBackend('wasm') failed (backend is ${tf.getBackend()})` };
    if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))
      return { error: 'the tfjs wasm backend reports no SIMD support' };
    return { tf, versionWasm };
  } catch (e) {
    return {
      error:
        `${(e as Error).message.split('\n')[0]} — install the comparison with ` +
        '`npm install -D @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm`',
    };
  }
}

// --- main ---

const wk = loadWasmKernels();
// Each gradscope contender states its thread count (the instance otherwise follows setThreads()),
// and 2 threads always split (autoSplit off): the tables show what the split itself achieves.
// In normal use each shape is split only while that measures faster (on a busy machine it may
// not be); `worker parts` tells how much the worker thread got to compute in this run.
wk.setThreads(2);
wk.autoSplit = false;
const threads2 = (await wk.whenThreadsReady()) >= 2;
if (!threads2)
  process.stderr.write(`bench:gemm: 2 threads unavailable: ${wk.threadsUnavailable ?? '?'}\n`);
/** `fn` on `threads` threads (wasm kernels). */
const on =
  (threads: number, fn: () => void): (() => void) =>
  () => {
    wk.setThreads(threads);
    fn();
  };
const tfjs = await loadTfjsWasm();
if ('error' in tfjs)
  process.stderr.write(`bench:gemm: TensorFlow.js wasm backend unavailable: ${tfjs.error}\n`);

interface Row {
  n: number;
  wasmCopyGflops: number;
  wasmInPlaceGflops: number;
  wasmCopy2tGflops: number | null;
  wasmInPlace2tGflops: number | null;
  jsGflops: number;
  tfjsWasmGflops: number | null;
}
const rows: Row[] = [];
const rng = new Rng(2024);
for (const n of SIZES) {
  const a = randomF32(rng, n * n);
  const b = randomF32(rng, n * n);
  const c = new Float32Array(n * n);
  const reps = repsFor(n);
  // Operands already in wasm memory: the kernel alone.
  const aPtr = wk.reserve(n * n * 4);
  const bPtr = wk.reserve(n * n * 4);
  const cPtr = wk.reserve(n * n * 4);
  wk.f32View(aPtr, n * n).set(a);
  wk.f32View(bPtr, n * n).set(b);
  const copy = (): void =>
    wk.gemmF32({
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
    });
  const inPlace = (): void =>
    wk.gemmF32Ptr({
      transA: false,
      transB: false,
      m: n,
      n,
      k: n,
      alpha: 1,
      aPtr,
      bPtr,
      beta: 0,
      cPtr,
    });
  const contenders: Array<() => void> = [
    // The copying entry: what gemm() does for typed arrays outside wasm memory.
    on(1, copy),
    on(1, inPlace),
    on(2, copy),
    on(2, inPlace),
  ];
  let dispose = (): void => {};
  if (!('error' in tfjs)) {
    const ta = tfjs.tf.tensor2d(a, [n, n]);
    const tb = tfjs.tf.tensor2d(b, [n, n]);
    contenders.push(() => {
      const tc = tfjs.tf.matMul(ta, tb);
      tc.dataSync(); // waits for the result and copies it out, like gemm's copy back
      tc.dispose();
    });
    dispose = () => {
      ta.dispose();
      tb.dispose();
    };
  }
  const [wasmCopy, wasmInPlace, wasmCopy2, wasmInPlace2, tf] = medianMsInterleaved(
    contenders,
    reps,
  );
  dispose();
  const js = medianMs(
    () =>
      gemmJs({
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
      }),
    n >= 1024 ? 3 : Math.min(reps, 7),
    1,
  );
  rows.push({
    n,
    wasmCopyGflops: gflops(n, wasmCopy as number),
    wasmInPlaceGflops: gflops(n, wasmInPlace as number),
    wasmCopy2tGflops: threads2 ? gflops(n, wasmCopy2 as number) : null,
    wasmInPlace2tGflops: threads2 ? gflops(n, wasmInPlace2 as number) : null,
    jsGflops: gflops(n, js),
    tfjsWasmGflops: tf === undefined ? null : gflops(n, tf),
  });
}

// The GEMMs of an MLP training step (batch 128, 784-256-256-10), copies included as in the ops:
// forward X·Wᵀ (A·Bᵀ), input gradient dY·W (A·B), weight gradient dYᵀ·X (Aᵀ·B).
interface ShapeRow {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  gflops1t: number;
  gflops2t: number | null;
}
const shapeRows: ShapeRow[] = [];
for (const [label, m, n, k, transA, transB] of [
  ['forward 784→256: X·Wᵀ', 128, 256, 784, false, true],
  ['input grad 784→256: dY·W', 128, 784, 256, false, false],
  ['weight grad 784→256: dYᵀ·X', 256, 784, 128, true, false],
  ['forward 256→256: X·Wᵀ', 128, 256, 256, false, true],
  ['input grad 256→256: dY·W', 128, 256, 256, false, false],
  ['weight grad 256→256: dYᵀ·X', 256, 256, 128, true, false],
  ['forward 256→10: X·Wᵀ', 128, 10, 256, false, true],
] as const) {
  const a = randomF32(rng, m * k);
  const b = randomF32(rng, k * n);
  const c = new Float32Array(m * n);
  const run = (): void =>
    wk.gemmF32({
      transA,
      transB,
      m,
      n,
      k,
      alpha: 1,
      a,
      aOffset: 0,
      b,
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
  const [t1, t2] = medianMsInterleaved([on(1, run), on(2, run)], 41, 5);
  const flop = 2 * m * n * k;
  shapeRows.push({
    label,
    m,
    n,
    k,
    transA,
    transB,
    gflops1t: flop / ((t1 as number) * 1e6),
    gflops2t: threads2 ? flop / ((t2 as number) * 1e6) : null,
  });
}

// Where 2 threads start to pay (square GEMMs, copies included), with the split forced on.
interface ParallelCrossRow {
  n: number;
  us1t: number;
  us2t: number | null;
}
const parallelCross: ParallelCrossRow[] = [];
wk.parallelMinWork = 0;
for (const n of [24, 32, 48, 64, 80, 96, 128]) {
  const a = randomF32(rng, n * n);
  const b = randomF32(rng, n * n);
  const c = new Float32Array(n * n);
  const us1t = medianUs(
    on(1, () =>
      wk.gemmF32({
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
      }),
    ),
  );
  const us2t = threads2
    ? medianUs(
        on(2, () =>
          wk.gemmF32({
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
          }),
        ),
      )
    : null;
  parallelCross.push({ n, us1t, us2t });
}
wk.parallelMinWork = GEMM_PARALLEL_MIN_WORK;
wk.setThreads('global');
wk.autoSplit = true;
const poolStats = wk.threadStats();

// Crossover: small float32 GEMMs (copies included) and im2col, JS vs wasm.
interface CrossRow {
  m: number;
  n: number;
  k: number;
  jsUs: number;
  wasmUs: number;
}
const cross: CrossRow[] = [];
for (const [m, n, k] of [
  [4, 4, 4],
  [6, 6, 6],
  [8, 8, 8],
  [12, 12, 12],
  [16, 16, 16],
  [32, 32, 32],
  [1, 64, 64],
  [64, 1, 64],
  [1, 1, 512],
  [8, 784, 9],
] as const) {
  const a = randomF32(rng, m * k);
  const b = randomF32(rng, k * n);
  const c = new Float32Array(m * n);
  cross.push({
    m,
    n,
    k,
    jsUs: medianUs(() =>
      gemmJs({
        transA: false,
        transB: false,
        m,
        n,
        k,
        alpha: 1,
        a,
        aOffset: 0,
        b,
        bOffset: 0,
        beta: 0,
        c,
        cOffset: 0,
      }),
    ),
    wasmUs: medianUs(
      on(1, () =>
        wk.gemmF32({
          transA: false,
          transB: false,
          m,
          n,
          k,
          alpha: 1,
          a,
          aOffset: 0,
          b,
          bOffset: 0,
          beta: 0,
          c,
          cOffset: 0,
        }),
      ),
    ),
  });
}
interface Im2colRow {
  shape: string;
  colSize: number;
  jsUs: number;
  wasmUs: number;
}
const im2colRows: Im2colRow[] = [];
for (const [channels, size, batch] of [
  [1, 4, 1],
  [1, 8, 1],
  [1, 28, 1],
  [8, 28, 1],
  [3, 32, 16],
] as const) {
  const g = convGeometry({
    channels,
    height: size,
    width: size,
    kernelH: 3,
    kernelW: 3,
    padH: 1,
    padW: 1,
  });
  const x = randomF32(rng, batch * g.imageSize);
  const col = new Float32Array(batch * g.colSize);
  im2colRows.push({
    shape: `${batch}×${channels}×${size}×${size}, 3×3 pad 1`,
    colSize: batch * g.colSize,
    jsUs: medianUs(() => im2colJs({ x, xOffset: 0, g, col, colOffset: 0, batch })),
    wasmUs: medianUs(() => wk.im2colF32({ x, xOffset: 0, g, col, colOffset: 0, batch })),
  });
}

// --- report ---

const f1 = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(1));
const tfName = 'error' in tfjs ? 'tfjs-wasm (unavailable)' : `tfjs-wasm ${tfjs.versionWasm}`;
const lines: string[] = [];
lines.push(
  `float32 GEMM, C = A·B (N×N), one thread — GFLOP/s = 2N³/median time; ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
);
lines.push('');
lines.push(
  `| N | gradscope wasm (copy in/out) | gradscope wasm (in wasm memory) | gradscope JS | ${tfName} | wasm / tfjs |`,
);
lines.push('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ratio =
    r.tfjsWasmGflops === null ? 'n/a' : `${(r.wasmCopyGflops / r.tfjsWasmGflops).toFixed(2)}×`;
  lines.push(
    `| ${r.n} | ${f1(r.wasmCopyGflops)} | ${f1(r.wasmInPlaceGflops)} | ${f1(r.jsGflops)} | ${f1(r.tfjsWasmGflops)} | ${ratio} |`,
  );
}
const speedup = (two: number | null, one: number): string =>
  two === null ? 'n/a' : `${(two / one).toFixed(2)}×`;
lines.push('');
lines.push(
  `gradscope wasm on 1 and 2 threads (GFLOP/s; the 2-thread split applies from m·n·k ≥ ${GEMM_PARALLEL_MIN_WORK}):`,
);
lines.push('');
lines.push(
  '| N | 1 thread (copy) | 2 threads (copy) | speedup | 1 thread (in wasm memory) | 2 threads (in wasm memory) | speedup |',
);
lines.push('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  lines.push(
    `| ${r.n} | ${f1(r.wasmCopyGflops)} | ${f1(r.wasmCopy2tGflops)} | ${speedup(r.wasmCopy2tGflops, r.wasmCopyGflops)} | ${f1(r.wasmInPlaceGflops)} | ${f1(r.wasmInPlace2tGflops)} | ${speedup(r.wasmInPlace2tGflops, r.wasmInPlaceGflops)} |`,
  );
lines.push('');
lines.push(
  `Worker participation: ${poolStats.workerParts} of ${poolStats.parts} parts of ${poolStats.splitGemms} split GEMMs computed by the worker (1/2 on idle cores; less when other processes keep its core busy).`,
);
lines.push('');
lines.push('GEMMs of an MLP training step (batch 128; GFLOP/s, copies included):');
lines.push('');
lines.push('| GEMM | m×n×k | op | 1 thread | 2 threads | speedup |');
lines.push('|---|---|---|---:|---:|---:|');
for (const r of shapeRows)
  lines.push(
    `| ${r.label} | ${r.m}×${r.n}×${r.k} | ${r.transA ? 'Aᵀ' : 'A'}·${r.transB ? 'Bᵀ' : 'B'} | ${f1(r.gflops1t)} | ${f1(r.gflops2t)} | ${speedup(r.gflops2t, r.gflops1t)} |`,
  );
lines.push('');
lines.push('Small square GEMMs on 1 and 2 threads (µs per call, copies included, split forced):');
lines.push('');
lines.push('| N | 1 thread µs | 2 threads µs | 1 / 2 |');
lines.push('|---:|---:|---:|---:|');
for (const r of parallelCross)
  lines.push(
    `| ${r.n} | ${r.us1t.toFixed(2)} | ${r.us2t === null ? 'n/a' : r.us2t.toFixed(2)} | ${r.us2t === null ? 'n/a' : (r.us1t / r.us2t).toFixed(2)} |`,
  );
lines.push('');
lines.push(
  `Small GEMMs (µs per call, copies included; 'auto' uses wasm from m·n·k ≥ ${GEMM_WASM_MIN_WORK}):`,
);
lines.push('');
lines.push('| m×n×k | JS µs | wasm µs | JS / wasm |');
lines.push('|---|---:|---:|---:|');
for (const r of cross)
  lines.push(
    `| ${r.m}×${r.n}×${r.k} | ${r.jsUs.toFixed(2)} | ${r.wasmUs.toFixed(2)} | ${(r.jsUs / r.wasmUs).toFixed(2)} |`,
  );
lines.push('');
lines.push(
  `im2col (µs per call, copies included; 'auto' uses wasm from batch·colSize ≥ ${IM2COL_WASM_MIN_SIZE}):`,
);
lines.push('');
lines.push('| input | col elements | JS µs | wasm µs | JS / wasm |');
lines.push('|---|---:|---:|---:|---:|');
for (const r of im2colRows)
  lines.push(
    `| ${r.shape} | ${r.colSize} | ${r.jsUs.toFixed(2)} | ${r.wasmUs.toFixed(2)} | ${(r.jsUs / r.wasmUs).toFixed(2)} |`,
  );
if ('error' in tfjs) {
  lines.push('');
  lines.push(`**TensorFlow.js comparison missing:** ${tfjs.error}`);
}
process.stdout.write(`${lines.join('\n')}\n`);

const result = {
  benchmark: 'gemm',
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  threads: 1,
  threads2: threads2
    ? { host: 'node:worker_threads', minWork: GEMM_PARALLEL_MIN_WORK, ...poolStats }
    : { error: wk.threadsUnavailable ?? 'unavailable' },
  method:
    'GFLOP/s = 2N^3 / median wall time of several repetitions after warm-up; wasm and tfjs repetitions interleaved',
  tfjs:
    'error' in tfjs
      ? { error: tfjs.error }
      : {
          core: tfjs.tf.version_core,
          backendWasm: tfjs.versionWasm,
          simd: true,
          multithread: false,
        },
  gemm: rows,
  trainingShapes: shapeRows,
  parallelCrossover: parallelCross,
  smallGemm: cross,
  im2col: im2colRows,
};
const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, 'gemm.json');
const tmp = `${outFile}.${process.pid}.tmp`;
writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
renameSync(tmp, outFile);
process.stdout.write(`\nwrote ${path.relative(process.cwd(), outFile)}\n`);
// The comparison is the point of this benchmark: a missing TensorFlow.js is a failure, not a skip.
if ('error' in tfjs) process.exitCode = 1;
