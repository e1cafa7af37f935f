// tanh of float32 values, 4 lanes at a time, evaluated in double precision (two f64x2 halves)
// with exactly the operations, order and constants of the JS tanhF32 (src/kernels/js/tanh.ts),
// then rounded once to float32: the wasm and JS paths give the same bits.
import { hi, join, lo } from './halves';

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
export const EDGE: f64 = 7.90531110763549805;
const SMALL2: f64 = 1.0 / 64.0;
const T3: f64 = -1.0 / 3.0;
const T5: f64 = 2.0 / 15.0;
const T7: f64 = -17.0 / 315.0;
const T9: f64 = 62.0 / 2835.0;

// tanh of two doubles inside the fitted interval (lanes outside it are the caller's business).
/** tanh of the two doubles of x, inside the fitted interval (lanes outside it are the caller's). */
export function tanh2(x: v128): v128 {
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

/** tanh of one double inside the fitted interval. */
export function tanh1(x: f64): f64 {
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
    const vl = lo(v);
    const vh = hi(v);
    const outLo = v128.or(f64x2.gt(vl, edge), f64x2.lt(vl, nedge));
    const outHi = v128.or(f64x2.gt(vh, edge), f64x2.lt(vh, nedge));
    let r = join(tanh2(vl), tanh2(vh));
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
