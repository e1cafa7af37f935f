// Element-wise passes of the fused linear and conv layers (ops/linear.ts, ops/conv.ts) on float32
// data in linear memory, with the JS loops' semantics and bits: ReLU as `v < 0 ? 0 : v` (NaN
// propagates, as in the relu op and PyTorch), the
// activation gradients g·[y > 0] and g·(1 − y²) (the latter in doubles, rounded once), and the
// bias gradient's float32 column sums accumulated row after row. (The bias add and tanh are
// ./recurrence.ts's addRowsF32 and ./tanh.ts's tanhF32.)
import { hi, join, lo } from './halves';

/** p[i] ← p[i] < 0 ? 0 : p[i] over n float32 values at byte address p (NaN stays NaN). */
export function reluF32(p: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i: i32 = 0;
  for (; i < n4; i += 4) {
    const a = p + ((<usize>i) << 2);
    const v = v128.load(a);
    v128.store(a, v128.bitselect(zero, v, f32x4.lt(v, zero)));
  }
  for (; i < n; i++) {
    const a = p + ((<usize>i) << 2);
    const v = load<f32>(a);
    store<f32>(a, v < 0 ? 0 : v);
  }
}

/**
 * out[i] ← g[i]·act'(y[i]) from the activation's output y: act 1 (ReLU) g·[y > 0], act 2 (tanh)
 * g·(1 − y²) evaluated in double precision and rounded once. out may alias g.
 */
export function actGradF32(g: usize, y: usize, out: usize, n: i32, act: i32): void {
  const n4 = n & ~3;
  let i: i32 = 0;
  if (act == 1) {
    const zero = f32x4.splat(0);
    for (; i < n4; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(out + o, v128.bitselect(v128.load(g + o), zero, f32x4.gt(v128.load(y + o), zero)));
    }
    for (; i < n; i++) {
      const o = (<usize>i) << 2;
      store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
    }
    return;
  }
  const one = f64x2.splat(1);
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const gv = v128.load(g + o);
    const yv = v128.load(y + o);
    const rl = f64x2.mul(lo(gv), f64x2.sub(one, f64x2.mul(lo(yv), lo(yv))));
    const rh = f64x2.mul(hi(gv), f64x2.sub(one, f64x2.mul(hi(yv), hi(yv))));
    v128.store(out + o, join(rl, rh));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const v = <f64>load<f32>(y + o);
    store<f32>(out + o, <f32>(<f64>load<f32>(g + o) * (1 - v * v)));
  }
}

/** dst[j] ← dst[j] + src[r·cols + j] for r = 0, 1, … rows−1 in turn (float32 adds). */
export function addColSumsF32(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  for (let r: i32 = 0; r < rows; r++) {
    const row = src + <usize>(r * cols) * 4;
    let j: i32 = 0;
    for (; j < c4; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(row + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(row + o));
    }
  }
}

/**
 * y[r·cols + j] ← y[r·cols + j] + bias[r mod channels] for r < rows (float32 adds): a per-channel
 * bias over rows of an [N, C, P] tensor (rows = N·C, cols = P).
 */
export function addChannelBiasF32(
  y: usize,
  rows: i32,
  cols: i32,
  bias: usize,
  channels: i32,
): void {
  const c4 = cols & ~3;
  for (let r: i32 = 0; r < rows; r++) {
    const row = y + <usize>(r * cols) * 4;
    const b = load<f32>(bias + ((<usize>(r % channels)) << 2));
    const vb = f32x4.splat(b);
    let j: i32 = 0;
    for (; j < c4; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), vb));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(row + o, load<f32>(row + o) + b);
    }
  }
}

/**
 * dst[r mod channels] ← dst[r mod channels] + Σ_j src[r·cols + j] for r = 0, 1, … rows−1: each
 * row summed left to right in double precision, then added to its float32 channel total (the
 * bias gradient of a convolution, [N, C, P] rows, as the JS loop computes it: the same bits).
 */
export function addChannelSumsF32(
  src: usize,
  rows: i32,
  cols: i32,
  dst: usize,
  channels: i32,
): void {
  for (let r: i32 = 0; r < rows; r++) {
    const row = src + <usize>(r * cols) * 4;
    let s: f64 = 0;
    for (let j: i32 = 0; j < cols; j++) s += <f64>load<f32>(row + ((<usize>j) << 2));
    const d = dst + ((<usize>(r % channels)) << 2);
    store<f32>(d, <f32>(<f64>load<f32>(d) + s));
  }
}
