// Adam over float32 data in linear memory, 4 lanes at a time: f32x4.sqrt and f32x4.div are what
// bound this update, and scalar code (JS doubles or scalar wasm) does one lane per instruction.
// No static data (the shared-memory build forbids it): the coefficients arrive in memory.
//
// Coefficients (float32, at `coef`): [sign, β1, 1−β1, β2, 1−β2, stepScaled, epsScaled, gradScale]
// with stepScaled = −α·√(1−β2^t)/(1−β1^t), epsScaled = ε·√(1−β2^t) and gradScale the factor a
// clipping link of a chain multiplied the gradients by (1 otherwise; folded in here instead of a
// pass of its own, with the bits of storing g·gradScale in float32 first):
//   g ← sign·(g·gradScale);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  u = stepScaled·m / (√v + epsScaled)
// apply = 0: g ← u (the update, for a chain); apply = 1: p ← p + u (the fused step).
// The scalar tail performs the same float32 operations in the same order as each lane.

/** Float32 Adam step over n elements at byte addresses p, g, m, v (see the file comment). */
export function adamF32(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  coef: usize,
  apply: i32,
): void {
  const sign = load<f32>(coef);
  const b1 = load<f32>(coef, 4);
  const c1 = load<f32>(coef, 8);
  const b2 = load<f32>(coef, 12);
  const c2 = load<f32>(coef, 16);
  const step = load<f32>(coef, 20);
  const eps = load<f32>(coef, 24);
  const scale = load<f32>(coef, 28);
  // sign·gradScale is exact (sign = ±1) and fround(g·s)·sign = fround(g·(s·sign)): one multiply
  // per lane, as without a scale
  const ss = sign * scale;
  const vSign = f32x4.splat(ss);
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const vStep = f32x4.splat(step);
  const vEps = f32x4.splat(eps);
  const n4 = n & ~3;
  let i: i32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const gi = f32x4.mul(vSign, v128.load(g + o));
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vc1, gi));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vc2, gi), gi));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const u = f32x4.div(f32x4.mul(vStep, mi), f32x4.add(f32x4.sqrt(vi), vEps));
    if (apply != 0) v128.store(p + o, f32x4.add(v128.load(p + o), u));
    else v128.store(g + o, u);
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gi = ss * load<f32>(g + o);
    const mi = load<f32>(m + o) * b1 + c1 * gi;
    const vi = load<f32>(v + o) * b2 + c2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const u = (step * mi) / (Mathf.sqrt(vi) + eps);
    if (apply != 0) store<f32>(p + o, load<f32>(p + o) + u);
    else store<f32>(g + o, u);
  }
}
