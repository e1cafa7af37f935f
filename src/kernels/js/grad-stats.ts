import {
  dropDetail,
  finishGradStats,
  finishUpdateStats,
  sumIsFinal,
  sumSquaresF64,
  updateSumsF64,
  type GradStatsArgs,
  type UpdateStatsArgs,
} from '../grad-stats.js';

const f = Math.fround;

/** Elements per float32 block (as assembly/grad-stats.ts). */
const BLOCK = 512;

/**
 * The fast pass over float32 data with the wasm kernel's bits (assembly/grad-stats.ts): squares
 * and lane sums rounded to float32 in the kernel's order, the block sums in float64; writes
 * Σx², max x² (float32 squares) and the zeros.
 */
function fastF32(x: Float32Array, out: Float64Array, at: number): void {
  const n = x.length;
  const n8 = n - (n % 8);
  let t0 = 0;
  let t1 = 0;
  let mx = 0;
  let zeros = 0;
  let i = 0;
  while (i < n8) {
    const end = Math.min(i + BLOCK, n8);
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (; i < end; i += 8) {
      const x0 = x[i] as number;
      const x1 = x[i + 1] as number;
      const x2 = x[i + 2] as number;
      const x3 = x[i + 3] as number;
      const x4 = x[i + 4] as number;
      const x5 = x[i + 5] as number;
      const x6 = x[i + 6] as number;
      const x7 = x[i + 7] as number;
      const q0 = f(x0 * x0);
      const q1 = f(x1 * x1);
      const q2 = f(x2 * x2);
      const q3 = f(x3 * x3);
      const q4 = f(x4 * x4);
      const q5 = f(x5 * x5);
      const q6 = f(x6 * x6);
      const q7 = f(x7 * x7);
      a0 = f(a0 + q0);
      a1 = f(a1 + q1);
      a2 = f(a2 + q2);
      a3 = f(a3 + q3);
      b0 = f(b0 + q4);
      b1 = f(b1 + q5);
      b2 = f(b2 + q6);
      b3 = f(b3 + q7);
      // max x² (a NaN shows in the sum, which finishGradStats checks first)
      mx = Math.max(mx, q0, q1, q2, q3, q4, q5, q6, q7);
      zeros += +(x0 === 0) + +(x1 === 0) + +(x2 === 0) + +(x3 === 0);
      zeros += +(x4 === 0) + +(x5 === 0) + +(x6 === 0) + +(x7 === 0);
    }
    t0 = t0 + (f(a0 + b0) + f(a2 + b2));
    t1 = t1 + (f(a1 + b1) + f(a3 + b3));
  }
  let t = 0;
  for (; i < n; i++) {
    const v = x[i] as number;
    t += v * v;
    mx = Math.max(mx, f(v * v));
    zeros += +(v === 0);
  }
  out[at] = t0 + t1 + t;
  out[at + 1] = mx;
  out[at + 2] = zeros;
}

/** Σx² alone over float32 data, with the bits of {@link fastF32}'s sum (its order, its roundings). */
function sumF32(x: Float32Array, out: Float64Array, at: number): void {
  const n = x.length;
  const n8 = n - (n % 8);
  let t0 = 0;
  let t1 = 0;
  let i = 0;
  while (i < n8) {
    const end = Math.min(i + BLOCK, n8);
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (; i < end; i += 8) {
      const x0 = x[i] as number;
      const x1 = x[i + 1] as number;
      const x2 = x[i + 2] as number;
      const x3 = x[i + 3] as number;
      const x4 = x[i + 4] as number;
      const x5 = x[i + 5] as number;
      const x6 = x[i + 6] as number;
      const x7 = x[i + 7] as number;
      a0 = f(a0 + f(x0 * x0));
      a1 = f(a1 + f(x1 * x1));
      a2 = f(a2 + f(x2 * x2));
      a3 = f(a3 + f(x3 * x3));
      b0 = f(b0 + f(x4 * x4));
      b1 = f(b1 + f(x5 * x5));
      b2 = f(b2 + f(x6 * x6));
      b3 = f(b3 + f(x7 * x7));
    }
    t0 = t0 + (f(a0 + b0) + f(a2 + b2));
    t1 = t1 + (f(a1 + b1) + f(a3 + b3));
  }
  let t = 0;
  for (; i < n; i++) {
    const v = x[i] as number;
    t += v * v;
  }
  out[at] = t0 + t1 + t;
}

/** The fast pass over float64 data: max |x| and the zeros (Σx² is sumSquaresF64's). */
function fastF64(x: ArrayLike<number>, out: Float64Array, at: number): void {
  let mx = 0;
  let zeros = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    mx = Math.max(mx, Math.abs(v));
    zeros += +(v === 0);
  }
  out[at + 1] = mx;
  out[at + 2] = zeros;
}

/**
 * The gradient statistics of one array (see GradStatsArgs), the reference of
 * Kernels.gradStats: for float32 data the bits of the wasm SIMD kernel, for float64 data
 * float64 sums.
 * @example gradStatsJs({ x: g, out, at: 0 }); // out = [Σg², max|g|, zeros, non-finite]
 */
export function gradStatsJs(args: GradStatsArgs): void {
  const { x, out, at } = args;
  const detail = args.detail !== false;
  if (!detail) {
    if (x instanceof Float32Array) sumF32(x, out, at);
    else out[at] = sumSquaresF64(x);
    if (sumIsFinal(x, out, at)) return;
  }
  if (x instanceof Float32Array) fastF32(x, out, at);
  else {
    out[at] = sumSquaresF64(x);
    fastF64(x, out, at);
  }
  finishGradStats(x, out, at);
  if (!detail) dropDetail(out, at);
}

// The float32 lane sums of one block of updateF32 (module scope: a check allocates nothing).
const lp = new Float64Array(8);
const ld = new Float64Array(8);
const lq = new Float64Array(8);

/** Lane `lane` of a block's float64 pair: (a_j + b_j in float32), then s_lane + s_{lane+2}. */
function fold(l: Float64Array, lane: number): number {
  return (
    f((l[lane] as number) + (l[lane + 4] as number)) +
    f((l[lane + 2] as number) + (l[lane + 6] as number))
  );
}

/** The float32 update statistics with the wasm kernel's bits (assembly/grad-stats.ts updateStatsF32). */
function updateF32(p: Float32Array, q: Float32Array, out: Float64Array, at: number): void {
  const n = p.length;
  const n8 = n - (n % 8);
  // float64 pairs (lane 0, lane 1) of the three sums
  let tp0 = 0;
  let tp1 = 0;
  let td0 = 0;
  let td1 = 0;
  let tq0 = 0;
  let tq1 = 0;
  let i = 0;
  while (i < n8) {
    const end = Math.min(i + BLOCK, n8);
    lp.fill(0);
    ld.fill(0);
    lq.fill(0);
    for (; i < end; i += 8) {
      for (let j = 0; j < 8; j++) {
        const pv = p[i + j] as number;
        const qv = q[i + j] as number;
        const d = f(pv - qv);
        lp[j] = f((lp[j] as number) + f(pv * pv));
        ld[j] = f((ld[j] as number) + f(d * d));
        lq[j] = f((lq[j] as number) + f(qv * qv));
      }
    }
    tp0 = tp0 + fold(lp, 0);
    tp1 = tp1 + fold(lp, 1);
    td0 = td0 + fold(ld, 0);
    td1 = td1 + fold(ld, 1);
    tq0 = tq0 + fold(lq, 0);
    tq1 = tq1 + fold(lq, 1);
  }
  let tp = 0;
  let td = 0;
  let tq = 0;
  for (; i < n; i++) {
    const pv = p[i] as number;
    const qv = q[i] as number;
    const d = f(pv - qv);
    tp += pv * pv;
    td += d * d;
    tq += qv * qv;
  }
  out[at] = tp0 + tp1 + tp;
  out[at + 1] = td0 + td1 + td;
  out[at + 2] = tq0 + tq1 + tq;
}

/**
 * Σp², Σ(p − q)², Σq² of a parameter and its earlier value (see UpdateStatsArgs), the
 * reference of Kernels.updateStats: for float32 data the bits of the wasm SIMD kernel, for
 * float64 data float64 sums.
 * @example updateStatsJs({ p, q: snapshot, out, at: 0 }); // out = [‖p‖², ‖Δp‖², ‖q‖²]
 */
export function updateStatsJs(args: UpdateStatsArgs): void {
  const { p, q, out, at } = args;
  if (p instanceof Float32Array && q instanceof Float32Array) {
    updateF32(p, q, out, at);
    finishUpdateStats(p, q, out, at);
  } else updateSumsF64(p, q, out, at);
}

// Run each pass a few times on tiny inputs at load time so that all of its code has type
// feedback before a big first call compiles it on-stack mid-loop (see monitor/stats.ts: a pass
// that deoptimizes at not-yet-seen code after its loop runs several times slower). Microseconds.
{
  const out = new Float64Array(4);
  for (let rep = 0; rep < 16; rep++) {
    for (const x of [new Float32Array(9).fill(1), new Float64Array(9).fill(1)]) {
      gradStatsJs({ x, out, at: 0 });
      gradStatsJs({ x, out, at: 0, detail: false });
      updateStatsJs({ p: x, q: x, out, at: 0 });
    }
  }
}
