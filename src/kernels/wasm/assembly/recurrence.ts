// Element-wise passes of the tanh recurrence (h_t = tanh(pre_t), dpre_t = (g_t + dh_t)·(1 − h_t²)),
// 4 float32 lanes at a time, evaluated in double precision (two f64x2 halves) with exactly the
// operations, order and constants of the JS versions (src/kernels/js/tanh.ts and the JS
// recurrence), then rounded once to float32: the wasm and JS paths give the same bits.

// Rational approximation of tanh (Eigen/XLA's float fit, odd degree 13 over even degree 6, on
// [−EDGE, EDGE]) and the Taylor series below |x| < 1/8; see src/kernels/js/tanh.ts.
const A1: f64 = 4.89352455891786e-3;
const A3: f64 = 6.37261928875436e-4;
const A5: f64 = 1.48572235717979e-5;
const A7: f64 = 5.12229709037114e-8;
const A9: f64 = -8.60467152213735e-11;
const A11: f64 = 2.00018790482477e-13;
const A13: f64 = -2.76076847742355e-16;
const B0: f64 = 4.89352518554385e-3;
const B2: f64 = 2.268434632439e-3;
const B4: f64 = 1.18534705686654e-4;
const B6: f64 = 1.19825839466702e-6;
const EDGE: f64 = 7.90531110763549805;
const SMALL2: f64 = 1.0 / 64.0;
const T3: f64 = -1.0 / 3.0;
const T5: f64 = 2.0 / 15.0;
const T7: f64 = -17.0 / 315.0;
const T9: f64 = 62.0 / 2835.0;

// tanh of two doubles inside the fitted interval (lanes outside it are the caller's business).
// @inline
function tanh2(x: v128): v128 {
  const x2 = f64x2.mul(x, x);
  const p = f64x2.mul(
    x,
    f64x2.add(
      f64x2.splat(A1),
      f64x2.mul(
        x2,
        f64x2.add(
          f64x2.splat(A3),
          f64x2.mul(
            x2,
            f64x2.add(
              f64x2.splat(A5),
              f64x2.mul(
                x2,
                f64x2.add(
                  f64x2.splat(A7),
                  f64x2.mul(
                    x2,
                    f64x2.add(
                      f64x2.splat(A9),
                      f64x2.mul(x2, f64x2.add(f64x2.splat(A11), f64x2.mul(x2, f64x2.splat(A13)))),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  const q = f64x2.add(
    f64x2.splat(B0),
    f64x2.mul(
      x2,
      f64x2.add(
        f64x2.splat(B2),
        f64x2.mul(x2, f64x2.add(f64x2.splat(B4), f64x2.mul(x2, f64x2.splat(B6)))),
      ),
    ),
  );
  const rational = f64x2.div(p, q);
  const small = f64x2.lt(x2, f64x2.splat(SMALL2));
  if (!v128.any_true(small)) return rational;
  const taylor = f64x2.mul(
    x,
    f64x2.add(
      f64x2.splat(1),
      f64x2.mul(
        x2,
        f64x2.add(
          f64x2.splat(T3),
          f64x2.mul(
            x2,
            f64x2.add(
              f64x2.splat(T5),
              f64x2.mul(x2, f64x2.add(f64x2.splat(T7), f64x2.mul(x2, f64x2.splat(T9)))),
            ),
          ),
        ),
      ),
    ),
  );
  return v128.bitselect(taylor, rational, small);
}

function tanh1(x: f64): f64 {
  const x2 = x * x;
  if (x2 < SMALL2) return x * (1 + x2 * (T3 + x2 * (T5 + x2 * (T7 + x2 * T9))));
  const p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
  const q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
  return p / q;
}

/**
 * x ← tanh x over n float32 values at byte address p, in place. Values with |x| > 7.9053 (where
 * the fit ends; tanh rounds to within 4 float32 ulp of ±1 there) are left unchanged and counted:
 * the caller finishes them with Math.tanh (rare in practice). NaN stays NaN.
 */
export function tanhF32(p: usize, n: i32): i32 {
  const edge = f64x2.splat(EDGE);
  const nedge = f64x2.splat(-EDGE);
  let outside: i32 = 0;
  const n4 = n & ~3;
  let i: i32 = 0;
  for (; i < n4; i += 4) {
    const a = p + ((<usize>i) << 2);
    const v = v128.load(a);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    const outLo = v128.or(f64x2.gt(lo, edge), f64x2.lt(lo, nedge));
    const outHi = v128.or(f64x2.gt(hi, edge), f64x2.lt(hi, nedge));
    const tl = f32x4.demote_f64x2_zero(tanh2(lo));
    const th = f32x4.demote_f64x2_zero(tanh2(hi));
    let r = v128.shuffle<f32>(tl, th, 0, 1, 4, 5);
    const out = v128.or(outLo, outHi);
    if (v128.any_true(out)) {
      const mask = v128.shuffle<i32>(outLo, outHi, 0, 2, 4, 6);
      r = v128.bitselect(v, r, mask);
      outside += popcnt<i32>(i32x4.bitmask(mask));
    }
    v128.store(a, r);
  }
  for (; i < n; i++) {
    const a = p + ((<usize>i) << 2);
    const x = <f64>load<f32>(a);
    if (x > EDGE || x < -EDGE) {
      outside++;
      continue;
    }
    store<f32>(a, <f32>tanh1(x));
  }
  return outside;
}

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
    const gl = f64x2.promote_low_f32x4(gv);
    const gh = f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1));
    const dl = f64x2.promote_low_f32x4(dv);
    const dhh = f64x2.promote_low_f32x4(v128.shuffle<f32>(dv, dv, 2, 3, 0, 1));
    const hl = f64x2.promote_low_f32x4(hv);
    const hh = f64x2.promote_low_f32x4(v128.shuffle<f32>(hv, hv, 2, 3, 0, 1));
    const rl = f64x2.mul(f64x2.add(gl, dl), f64x2.sub(one, f64x2.mul(hl, hl)));
    const rh = f64x2.mul(f64x2.add(gh, dhh), f64x2.sub(one, f64x2.mul(hh, hh)));
    v128.store(
      out + o,
      v128.shuffle<f32>(f32x4.demote_f64x2_zero(rl), f32x4.demote_f64x2_zero(rh), 0, 1, 4, 5),
    );
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const hv = <f64>load<f32>(h + o);
    store<f32>(out + o, <f32>((<f64>load<f32>(g + o) + <f64>load<f32>(dh + o)) * (1 - hv * hv)));
  }
}

/** c[r·cols + j] ← c[r·cols + j] + bias[j] (float32 adds) for r < rows: a bias on every row. */
export function addRowsF32(c: usize, rows: i32, cols: i32, bias: usize): void {
  const c4 = cols & ~3;
  for (let r: i32 = 0; r < rows; r++) {
    const row = c + <usize>(r * cols) * 4;
    let j: i32 = 0;
    for (; j < c4; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
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
