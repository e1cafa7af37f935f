// float32x4 ⇄ two float64x2 halves, for element-wise passes evaluated in double precision and
// rounded once to float32 (the JS loops' arithmetic, so that wasm and JS give the same bits).

/** Lanes 0 and 1 of a float32x4, as doubles. */
// @inline
export function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2 and 3 of a float32x4, as doubles. */
// @inline
export function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** The float32x4 [a0, a1, b0, b1] from two float64x2, each rounded to nearest. */
// @inline
export function join(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
