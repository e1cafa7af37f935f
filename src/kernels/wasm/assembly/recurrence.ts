// Element-wise passes of the tanh recurrence besides tanh itself (./tanh.ts): its backward
// dpre_t = (g_t + dh_t)·(1 − h_t²), evaluated in double precision with the JS loop's operations
// and rounded once (the same bits), a bias added to every row, and float64 column sums.
import { hi, join, lo } from './halves';

/**
 * out ← (g + dh)·(1 − h²) over n float32 values (byte addresses; out may alias g or dh), each
 * evaluated in double precision and rounded once: the backward of h = tanh(pre).
 */
export function tanhGradF32(g: usize, dh: usize, h: usize, out: usize, n: i32): void {
  const one = f64x2.splat(1);
  const n4 = n & ~3;
  let i: i32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const gv = v128.load(g + o);
    const dv = v128.load(dh + o);
    const hv = v128.load(h + o);
    const rl = f64x2.mul(f64x2.add(lo(gv), lo(dv)), f64x2.sub(one, f64x2.mul(lo(hv), lo(hv))));
    const rh = f64x2.mul(f64x2.add(hi(gv), hi(dv)), f64x2.sub(one, f64x2.mul(hi(hv), hi(hv))));
    v128.store(out + o, join(rl, rh));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const hv = <f64>load<f32>(h + o);
    store<f32>(out + o, <f32>((<f64>load<f32>(g + o) + <f64>load<f32>(dh + o)) * (1 - hv * hv)));
  }
}

/**
 * c[r·cols + j] ← c[r·cols + j] + b1[j] (+ b2[j] when two = 1) for r < rows: biases on every row,
 * summed left to right in double precision and rounded once, as the JS loop does (with one bias
 * that is the float32 add).
 */
export function addRowsF32(c: usize, rows: i32, cols: i32, b1: usize, b2: usize, two: i32): void {
  const c4 = cols & ~3;
  for (let r: i32 = 0; r < rows; r++) {
    const row = c + <usize>(r * cols) * 4;
    let j: i32 = 0;
    if (two == 0) {
      for (; j < c4; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(b1 + o)));
      }
      for (; j < cols; j++) {
        const o = (<usize>j) << 2;
        store<f32>(row + o, load<f32>(row + o) + load<f32>(b1 + o));
      }
      continue;
    }
    for (; j < c4; j += 4) {
      const o = (<usize>j) << 2;
      const v = v128.load(row + o);
      const x = v128.load(b1 + o);
      const y = v128.load(b2 + o);
      v128.store(
        row + o,
        join(f64x2.add(f64x2.add(lo(v), lo(x)), lo(y)), f64x2.add(f64x2.add(hi(v), hi(x)), hi(y))),
      );
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(
        row + o,
        <f32>(<f64>load<f32>(row + o) + <f64>load<f32>(b1 + o) + <f64>load<f32>(b2 + o)),
      );
    }
  }
}

/**
 * dst[j] ← dst[j] + Σ_r src[r·cols + j] for j < cols: float32 rows summed into float64 column
 * sums (byte addresses), row after row as the JS loop does (the same bits), 2 columns per lane pair.
 */
export function colSumsF64(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c2 = cols & ~1;
  for (let r: i32 = 0; r < rows; r++) {
    const row = src + <usize>(r * cols) * 4;
    let j: i32 = 0;
    for (; j < c2; j += 2) {
      const d = dst + ((<usize>j) << 3);
      v128.store(
        d,
        f64x2.add(v128.load(d), f64x2.promote_low_f32x4(v128.load64_zero(row + ((<usize>j) << 2)))),
      );
    }
    for (; j < cols; j++) {
      const d = dst + ((<usize>j) << 3);
      store<f64>(d, load<f64>(d) + <f64>load<f32>(row + ((<usize>j) << 2)));
    }
  }
}
