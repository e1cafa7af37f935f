import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, GradscopeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { gemm, setKernels } from './backend.js';
import { getThreads, initThreads, setThreads, stopThreads, threadsInfo } from './threads.js';
import { decodeBase64 } from '../base64.js';
import { splitGemm } from './wasm/gemm-split.js';
import { SplitChooser } from './wasm/split-chooser.js';
import { KERNELS_WASM_BASE64 } from './wasm/generated/kernels-wasm.js';
import { sharedKernelsBytes } from './wasm/loader.js';
import { encodeBase64 } from '../base64.js';
import { registerThreadHost, type ThreadHost } from './wasm/thread-host.js';
import {
  createNodeThreadHost,
  nodeWorkerThreads,
  type NodeWorkerThreads,
} from './wasm/thread-host-node.js';
import { GEMM_PARALLEL_MIN_WORK } from './wasm/gemm-threads.js';
import { WasmKernels } from './wasm/wasm-kernels.js';

/** The shared-memory build, as the loader derives it. */
const KERNELS_WASM_SHARED_BASE64 = encodeBase64(sharedKernelsBytes());

const sharedBytes = decodeBase64(KERNELS_WASM_SHARED_BASE64);

afterEach(() => {
  registerThreadHost(undefined);
  setThreads('auto');
  setKernels('auto');
});
afterAll(() => stopThreads());

// C = alpha·op(A)·op(B) + beta·C0 in float64, and per element Σ|terms| to scale the tolerance.
function reference(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c0: Float32Array,
): { ref: Float64Array; scale: Float64Array } {
  const ref = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      for (let p = 0; p < k; p++) {
        const t =
          (a[ta ? p * m + i : i * k + p] as number) * (b[tb ? j * k + p : p * n + j] as number);
        s += t;
        sa += Math.abs(t);
      }
      const cv = beta === 0 ? 0 : beta * (c0[i * n + j] as number);
      ref[i * n + j] = alpha * s + cv;
      scale[i * n + j] = Math.abs(alpha) * sa + Math.abs(cv);
    }
  }
  return { ref, scale };
}

interface Problem {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

function operands(p: Problem, rng: Rng): { a: Float32Array; b: Float32Array; c0: Float32Array } {
  const normal = (length: number): Float32Array => {
    const out = new Float32Array(length);
    rng.fillNormal(out);
    return out;
  };
  return { a: normal(p.m * p.k), b: normal(p.k * p.n), c0: normal(p.m * p.n) };
}

function runOn(wk: WasmKernels, p: Problem, x: ReturnType<typeof operands>): Float32Array {
  const c = x.c0.slice();
  wk.gemmF32({
    transA: p.ta,
    transB: p.tb,
    m: p.m,
    n: p.n,
    k: p.k,
    alpha: p.alpha,
    a: x.a,
    aOffset: 0,
    b: x.b,
    bOffset: 0,
    beta: p.beta,
    c,
    cOffset: 0,
  });
  return c;
}

describe('threaded wasm GEMM', () => {
  let serial: WasmKernels;
  let parallel: WasmKernels;
  beforeAll(async () => {
    serial = WasmKernels.fromBytes(sharedBytes);
    parallel = WasmKernels.fromBytes(sharedBytes);
    parallel.setThreads(2);
    // Split every eligible GEMM, even where the calling thread alone would be faster.
    parallel.autoSplit = false;
    expect(await parallel.whenThreadsReady()).toBe(2);
  });
  afterAll(() => parallel.stopThreads());

  // Odd shapes (partial tiles, k not a multiple of the depth slice) above the split threshold,
  // split by columns (n ≫ m), by rows (n < 16) and both ways in between.
  const shapes: Array<[number, number, number]> = [
    [67, 129, 33],
    [5, 1031, 260],
    [1, 1031, 300],
    [300, 9, 100],
    [301, 3, 330],
    [400, 40, 20],
    [129, 67, 65],
  ];
  const scalars: Array<[number, number]> = [
    [1, 0],
    [1, 1],
    [-0.75, 0.5],
  ];
  const problems: Problem[] = [];
  let t = 0;
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const [alpha, beta] = scalars[t++ % scalars.length] as [number, number];
      problems.push({ ta, tb, m, n, k, alpha, beta });
    }
  }

  it.each(problems)(
    '%j: equals the single-threaded result bit for bit and the float64 loop within k·2⁻²⁴',
    (p) => {
      expect(p.m * p.n * p.k).toBeGreaterThanOrEqual(GEMM_PARALLEL_MIN_WORK);
      const x = operands(p, new Rng(p.m * 7 + p.n * 3 + p.k));
      const one = runOn(serial, p, x);
      const before = parallel.threadStats();
      const two = runOn(parallel, p, x);
      const after = parallel.threadStats();
      expect(after.splitGemms).toBe(before.splitGemms + 1);
      expect(after.parts).toBe(before.parts + 2);
      // Each element is summed in the same order whichever thread computes it.
      expect(two).toEqual(one);
      const { ref, scale } = reference(p.ta, p.tb, p.m, p.n, p.k, p.alpha, x.a, x.b, p.beta, x.c0);
      // float32 accumulation over k terms: |error| ≤ k·2⁻²⁴·Σ|terms| (plus one rounding of C).
      const tol = (p.k + 2) * 2 ** -24;
      for (let e = 0; e < ref.length; e++) {
        const err = Math.abs((two[e] as number) - (ref[e] as number));
        if (!(err <= tol * (scale[e] as number) + 1e-30)) {
          expect.fail(`element ${e}: got ${two[e]}, want ${ref[e]} (scale ${scale[e]})`);
        }
      }
    },
  );

  it('beta = 0 does not read C (NaN in C does not survive) on every thread', () => {
    const p: Problem = { ta: false, tb: false, m: 64, n: 96, k: 64, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(4));
    x.c0.fill(NaN);
    const c = runOn(parallel, p, x);
    expect(c.every(Number.isFinite)).toBe(true);
    expect(c).toEqual(runOn(serial, p, x));
  });

  it('a large square product: same bits on 1 and 2 threads', () => {
    const p: Problem = { ta: false, tb: true, m: 384, n: 384, k: 384, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(9));
    expect(runOn(parallel, p, x)).toEqual(runOn(serial, p, x));
  });

  it('the worker computes parts (the caller takes over only those it did not claim in time)', () => {
    // On a busy machine the caller may find a part unclaimed and compute it itself; over many
    // large GEMMs the worker claims some of them.
    const p: Problem = { ta: false, tb: false, m: 256, n: 256, k: 256, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(2));
    const before = parallel.threadStats().workerParts;
    for (let r = 0; r < 20 && parallel.threadStats().workerParts === before; r++)
      runOn(parallel, p, x);
    expect(parallel.threadStats().workerParts).toBeGreaterThan(before);
  });

  it('3 threads (3 parts, more threads than this machine may have cores): same bits', async () => {
    const three = WasmKernels.fromBytes(sharedBytes);
    three.setThreads(3);
    three.autoSplit = false;
    expect(await three.whenThreadsReady()).toBe(3);
    for (const p of [
      { ta: false, tb: false, m: 77, n: 203, k: 45, alpha: 1, beta: 0.5 },
      { ta: true, tb: true, m: 250, n: 12, k: 130, alpha: -1, beta: 0 },
    ]) {
      const x = operands(p, new Rng(p.m));
      const before = three.threadStats().parts;
      expect(runOn(three, p, x)).toEqual(runOn(serial, p, x));
      expect(three.threadStats().parts).toBe(before + 3);
    }
    three.stopThreads();
  });

  it('the GEMM that starts the pool is right: starting it does not clobber copied operands', () => {
    // Regression: the pool's workspaces and zeroed control block were reserved where this very
    // call had just copied A and B (1536 wrong elements of 512² before the fix).
    const fresh = WasmKernels.fromBytes(sharedBytes);
    fresh.setThreads(2);
    const p: Problem = { ta: false, tb: false, m: 512, n: 512, k: 512, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(11));
    expect(runOn(fresh, p, x)).toEqual(runOn(serial, p, x));
    fresh.stopThreads();
  });

  it('tiny problems stay on the calling thread and are still right', () => {
    const c = new Float32Array(4);
    parallel.gemmF32({
      transA: false,
      transB: false,
      m: 2,
      n: 2,
      k: 3,
      alpha: 1,
      a: new Float32Array([1, 2, 3, 4, 5, 6]),
      aOffset: 0,
      b: new Float32Array([1, 0, 0, 1, 1, 1]),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
  });

  it("an error in a worker's part surfaces as a GradscopeError, and the pool keeps working", () => {
    // A row split (n = 16: too few column tiles): the second half of the rows of A lies past
    // the end of the memory, the first half ends exactly there. The first part is long enough
    // (~2 ms) for the worker to wake up and claim the second one even on a busy machine.
    const [m, n, k] = [1000, 16, 2048];
    parallel.reserve((m / 2) * k * 4);
    const bPtr = parallel.reserve(k * n * 4);
    const cPtr = parallel.reserve(m * n * 4);
    const end = parallel.memory.buffer.byteLength;
    const aPtr = end - (m / 2) * k * 4;
    // Either thread may claim the bad part; the worker claims it within a few tries.
    const messages: string[] = [];
    for (let r = 0; r < 20 && !messages.some((t) => t.includes('worker')); r++) {
      try {
        parallel.gemmF32Ptr({
          transA: false,
          transB: false,
          m,
          n,
          k,
          alpha: 1,
          aPtr,
          bPtr,
          beta: 0,
          cPtr,
        });
        messages.push('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(GradscopeError);
        messages.push((e as Error).message);
      }
    }
    expect(messages.at(-1)).toMatch(/^gemm: a worker thread failed: .*out of bounds/);
    expect(messages.every((t) => /out of bounds/.test(t))).toBe(true);
    expect(parallel.activeThreads).toBe(2);
    const p: Problem = { ta: false, tb: false, m: 100, n: 100, k: 100, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(1));
    expect(runOn(parallel, p, x)).toEqual(runOn(serial, p, x));
  });
});

describe('SplitChooser', () => {
  it('measures both modes first, then takes the faster one and probes the other every 16 calls', () => {
    const chooser = new SplitChooser();
    const times = { serial: 10, split: 6 };
    const modes: boolean[] = [];
    for (let call = 1; call <= 40; call++) {
      const split = chooser.choose('s');
      modes.push(split);
      chooser.record('s', split, split ? times.split : times.serial);
      if (call === 20) times.split = 14; // the workers' cores got busy
    }
    expect(modes.slice(0, 2)).toEqual([false, true]);
    // calls 3–20: split (faster), except the probe of the serial mode at call 16
    expect(modes.slice(2, 20).filter((s) => !s)).toHaveLength(1);
    expect(modes[15]).toBe(false);
    // call 21 still splits and measures 14: from then on the calling thread alone is faster
    expect(modes[20]).toBe(true);
    expect(modes.slice(21, 31).every((s) => !s)).toBe(true);
    expect(modes[31]).toBe(true); // the probe of the split mode at call 32
  });
  it('a faster time replaces a mode’s estimate; a slower one moves it halfway', () => {
    const chooser = new SplitChooser();
    chooser.choose('k'); // serial
    chooser.record('k', false, 30); // an interrupted first call
    chooser.choose('k'); // split
    chooser.record('k', true, 12);
    chooser.record('k', false, 10); // an uninterrupted serial time replaces 30
    expect(chooser.choose('k')).toBe(false); // 10 < 12
    chooser.record('k', false, 16); // 10 + 0.5·(16 − 10) = 13 > 12
    expect(chooser.choose('k')).toBe(true);
  });
});

describe('splitGemm', () => {
  it('splits columns on 8-column boundaries when there are enough of them, covering C exactly once', () => {
    const parts = splitGemm(false, true, 3, 100, 5, 1, 0, 5, 4000, 5, 0, 8000, 100, 2);
    // 13 tiles of 8 columns (the last one partial): 7 + 6
    expect(parts.map((q) => q[3])).toEqual([56, 44]);
    expect(parts.map((q) => q[11])).toEqual([8000, 8000 + 56 * 4]); // C column offsets
    expect(parts.map((q) => q[8])).toEqual([4000, 4000 + 56 * 5 * 4]); // rows of B (transB)
  });
  it('splits rows on 5-row boundaries for tall narrow C, offsetting A by rows or columns', () => {
    const plain = splitGemm(false, false, 13, 12, 7, 2, 0, 7, 0, 12, 1, 0, 12, 2);
    // 3 tiles of 5 rows (the last one partial): 2 + 1
    expect(plain.map((q) => q[2])).toEqual([10, 3]);
    expect(plain.map((q) => q[6])).toEqual([0, 10 * 7 * 4]); // A rows, lda = k = 7
    expect(plain.map((q) => q[11])).toEqual([0, 10 * 12 * 4]); // C rows, ldc = 12
    const transA = splitGemm(true, false, 13, 12, 7, 2, 0, 13, 0, 12, 1, 0, 12, 2);
    expect(transA.map((q) => q[6])).toEqual([0, 10 * 4]); // A columns when transposed
  });
  it('never makes more parts than tiles', () => {
    expect(splitGemm(false, false, 3, 5, 7, 1, 0, 7, 0, 5, 0, 0, 5, 2)).toHaveLength(1);
  });
});

describe('thread settings', () => {
  it('validates setThreads', () => {
    expect(() => setThreads(0)).toThrow(ConfigError);
    expect(() => setThreads(1.5)).toThrow(
      /setThreads: threads must be 'auto' or an integer in \[1, 64\], got 1\.5/,
    );
    expect(() => setThreads('many' as 'auto')).toThrow(ConfigError);
  });

  it("'auto' resolves to min(CPUs, 4) here, an explicit count is kept", () => {
    const info = threadsInfo();
    expect(info.host).toBe('Node worker_threads');
    expect(getThreads()).toBe(Math.min(info.concurrency, 4));
    setThreads(3);
    expect(getThreads()).toBe(3);
    setThreads(1);
    expect(getThreads()).toBe(1);
    expect(threadsInfo().reason).toBeUndefined();
  });

  it('starts, stops and restarts the workers of the shared instance; gemm() gives the same bits', async () => {
    setKernels('wasm');
    setThreads(2);
    expect(await initThreads()).toBe(2);
    expect(threadsInfo().active).toBe(2);
    const rng = new Rng(12);
    const [m, n, k] = [70, 90, 80];
    const a = new Float32Array(m * k);
    const b = new Float32Array(n * k);
    rng.fillNormal(a);
    rng.fillNormal(b);
    const two = new Float32Array(m * n);
    gemm({
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      a,
      aOffset: 0,
      b,
      bOffset: 0,
      beta: 0,
      c: two,
      cOffset: 0,
    });
    stopThreads();
    expect(threadsInfo().active).toBe(1);
    setThreads(1);
    const one = new Float32Array(m * n);
    gemm({
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      a,
      aOffset: 0,
      b,
      bOffset: 0,
      beta: 0,
      c: one,
      cOffset: 0,
    });
    expect(two).toEqual(one);
    setThreads(2);
    expect(await initThreads()).toBe(2);
  });

  it('falls back to one thread, queryably, without a thread host', () => {
    registerThreadHost(null);
    setThreads(2);
    expect(getThreads()).toBe(1);
    expect(threadsInfo().reason).toMatch(/disabled/);
  });

  it('falls back to one thread when a worker cannot start', async () => {
    const wk = WasmKernels.fromBytes(sharedBytes);
    const broken: ThreadHost = {
      name: 'broken',
      concurrency: 2,
      canBlock: true,
      spawn() {
        throw new Error('no workers today');
      },
    };
    registerThreadHost(broken);
    wk.setThreads(2);
    expect(await wk.whenThreadsReady()).toBe(1);
    expect(wk.threads).toBe(1);
    expect(wk.threadsUnavailable).toMatch(/no workers today/);
  });

  it('falls back to one thread, with the reason, when a worker dies while starting', async () => {
    const real = createNodeThreadHost(nodeWorkerThreads() as NodeWorkerThreads);
    const failing: ThreadHost = {
      ...real,
      spawn: (_source, init) =>
        real.spawn("function () { throw new Error('no kernels here'); }", init),
    };
    registerThreadHost(failing);
    const wk = WasmKernels.fromBytes(sharedBytes);
    wk.setThreads(2);
    const t0 = Date.now();
    expect(await wk.whenThreadsReady()).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10_000); // noticed at once, not after the 30 s timeout
    expect(wk.threadsUnavailable).toMatch(/no kernels here/);
    const c = new Float32Array(64 * 64);
    wk.gemmF32({
      transA: false,
      transB: false,
      m: 64,
      n: 64,
      k: 64,
      alpha: 1,
      a: new Float32Array(64 * 64).fill(1),
      aOffset: 0,
      b: new Float32Array(64 * 64).fill(2),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    expect(c.every((v) => v === 128)).toBe(true);
  });

  it('keeps a shape on the calling thread when its worker does not help, and stays correct', async () => {
    // A host whose worker reports ready and then never claims a part: a worker whose core is
    // always busy with another process. Split, the caller computes both halves and repacks op(A)
    // twice: slower than unsplit, so after one try per probe the shape stays unsplit.
    const real = createNodeThreadHost(nodeWorkerThreads() as NodeWorkerThreads);
    const idle: ThreadHost = {
      ...real,
      spawn: (_source, init) =>
        real.spawn(
          'function (init) { Atomics.store(new Int32Array(init.memory.buffer, init.slot, 32), 1, 1); }',
          init,
        ),
    };
    registerThreadHost(idle);
    const wk = WasmKernels.fromBytes(sharedBytes);
    wk.setThreads(2);
    expect(await wk.whenThreadsReady()).toBe(2);
    const p: Problem = { ta: false, tb: true, m: 64, n: 64, k: 64, alpha: 1, beta: 0 };
    const x = operands(p, new Rng(3));
    const want = runOn(WasmKernels.fromBytes(sharedBytes), p, x);
    for (let r = 0; r < 60; r++) expect(runOn(wk, p, x)).toEqual(want);
    const stats = wk.threadStats();
    expect(stats.workerParts).toBe(0);
    expect(stats.splitGemms + stats.unsplit).toBe(60);
    expect(stats.unsplit).toBeGreaterThanOrEqual(30);
    wk.stopThreads();
  });

  it('running workers do not keep a Node process alive', () => {
    // A child process starts 2 threads, runs a split GEMM and returns without stopThreads():
    // it must exit on its own (the timeout would kill it and fail the test otherwise).
    const kernels = JSON.stringify(new URL('./index.ts', import.meta.url).href);
    const loader = JSON.stringify(new URL('./wasm/loader.ts', import.meta.url).href);
    const script = `
      const k = await import(${kernels});
      const l = await import(${loader});
      k.setThreads(2);
      const n = await k.initThreads();
      const wk = l.loadWasmKernels();
      wk.autoSplit = false;
      const a = new Float32Array(128 * 128).fill(1);
      const c = new Float32Array(128 * 128);
      wk.gemmF32({ transA: false, transB: false, m: 128, n: 128, k: 128, alpha: 1, a, aOffset: 0, b: a, bOffset: 0, beta: 0, c, cOffset: 0 });
      console.log(JSON.stringify({ n, c: c[0], parts: wk.threadStats().parts }));`;
    const t0 = Date.now();
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toEqual({ n: 2, c: 128, parts: 2 });
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('a private-memory instance (no SharedArrayBuffer) runs on one thread and says why', () => {
    const wk = WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64));
    expect(wk.shared).toBe(false);
    wk.setThreads(2);
    expect(wk.threads).toBe(1);
    expect(wk.threadsUnavailable).toMatch(/SharedArrayBuffer/);
    const c = new Float32Array(1);
    wk.gemmF32({
      transA: false,
      transB: false,
      m: 1,
      n: 1,
      k: 2,
      alpha: 1,
      a: new Float32Array([2, 3]),
      aOffset: 0,
      b: new Float32Array([4, 5]),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    expect(c[0]).toBe(23);
  });
});
