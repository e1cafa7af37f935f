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

/** Elements per float32 block of the update sums (assembly/grad-stats.ts's BLOCK). */
const STATS_BLOCK: i32 = 512;

/**
 * The fused step (apply) of {@link adamF32}, two vectors at a time, that also measures the update
 * it makes: with q = p before and p = q + u after, writes to out[0..2] updateStatsF32(p, q)'s
 * Σp², Σ(p − q)², Σq² (float32 lanes i mod 8 within blocks of 512, float64 across blocks, a
 * float64 tail: the same bits), and to out[3..5] the same three sums in float64 in the order of
 * kernels/grad-stats.ts updateSumsF64 (even elements in lane 0, odd in lane 1, p − q in float64),
 * the fallback the caller takes when a float32 sum is not finite or below 2^-100. Each element's
 * Adam arithmetic is adamF32's (the same bits): the monitor's update ratio without a copy of the
 * parameters.
 */
export function adamStatsF32(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  coef: usize,
  out: usize,
): void {
  const sign = load<f32>(coef);
  const b1 = load<f32>(coef, 4);
  const c1 = load<f32>(coef, 8);
  const b2 = load<f32>(coef, 12);
  const c2 = load<f32>(coef, 16);
  const step = load<f32>(coef, 20);
  const eps = load<f32>(coef, 24);
  const scale = load<f32>(coef, 28);
  const ss = sign * scale;
  const vSign = f32x4.splat(ss);
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const vStep = f32x4.splat(step);
  const vEps = f32x4.splat(eps);
  let TP = f64x2.splat(0);
  let TD = f64x2.splat(0);
  let TQ = f64x2.splat(0);
  let FP = f64x2.splat(0);
  let FD = f64x2.splat(0);
  let FQ = f64x2.splat(0);
  const n8 = n & ~7;
  let i: i32 = 0;
  while (i < n8) {
    let end = i + STATS_BLOCK;
    if (end > n8) end = n8;
    let pa = f32x4.splat(0);
    let pb = f32x4.splat(0);
    let da = f32x4.splat(0);
    let db = f32x4.splat(0);
    let qa = f32x4.splat(0);
    let qb = f32x4.splat(0);
    for (; i < end; i += 8) {
      const o = (<usize>i) << 2;
      const q0 = v128.load(p + o);
      const q1 = v128.load(p + o + 16);
      const p0 = f32x4.add(q0, adamLanes(g + o, m + o, v + o, vSign, vb1, vc1, vb2, vc2, vStep, vEps));
      const p1 = f32x4.add(
        q1,
        adamLanes(g + o + 16, m + o + 16, v + o + 16, vSign, vb1, vc1, vb2, vc2, vStep, vEps),
      );
      v128.store(p + o, p0);
      v128.store(p + o + 16, p1);
      const d0 = f32x4.sub(p0, q0);
      const d1 = f32x4.sub(p1, q1);
      pa = f32x4.add(pa, f32x4.mul(p0, p0));
      pb = f32x4.add(pb, f32x4.mul(p1, p1));
      da = f32x4.add(da, f32x4.mul(d0, d0));
      db = f32x4.add(db, f32x4.mul(d1, d1));
      qa = f32x4.add(qa, f32x4.mul(q0, q0));
      qb = f32x4.add(qb, f32x4.mul(q1, q1));
      // the float64 sums, elements in order (pairs i, i+1 → lanes 0, 1)
      const P0 = f64x2.promote_low_f32x4(p0);
      const P1 = f64x2.promote_low_f32x4(hiPair(p0));
      const P2 = f64x2.promote_low_f32x4(p1);
      const P3 = f64x2.promote_low_f32x4(hiPair(p1));
      const Q0 = f64x2.promote_low_f32x4(q0);
      const Q1 = f64x2.promote_low_f32x4(hiPair(q0));
      const Q2 = f64x2.promote_low_f32x4(q1);
      const Q3 = f64x2.promote_low_f32x4(hiPair(q1));
      const D0 = f64x2.sub(P0, Q0);
      const D1 = f64x2.sub(P1, Q1);
      const D2 = f64x2.sub(P2, Q2);
      const D3 = f64x2.sub(P3, Q3);
      FP = f64x2.add(f64x2.add(f64x2.add(f64x2.add(FP, f64x2.mul(P0, P0)), f64x2.mul(P1, P1)), f64x2.mul(P2, P2)), f64x2.mul(P3, P3));
      FD = f64x2.add(f64x2.add(f64x2.add(f64x2.add(FD, f64x2.mul(D0, D0)), f64x2.mul(D1, D1)), f64x2.mul(D2, D2)), f64x2.mul(D3, D3));
      FQ = f64x2.add(f64x2.add(f64x2.add(f64x2.add(FQ, f64x2.mul(Q0, Q0)), f64x2.mul(Q1, Q1)), f64x2.mul(Q2, Q2)), f64x2.mul(Q3, Q3));
    }
    TP = f64x2.add(TP, laneSums(f32x4.add(pa, pb)));
    TD = f64x2.add(TD, laneSums(f32x4.add(da, db)));
    TQ = f64x2.add(TQ, laneSums(f32x4.add(qa, qb)));
  }
  let tp: f64 = 0;
  let td: f64 = 0;
  let tq: f64 = 0;
  let fp0 = f64x2.extract_lane(FP, 0);
  let fp1 = f64x2.extract_lane(FP, 1);
  let fd0 = f64x2.extract_lane(FD, 0);
  let fd1 = f64x2.extract_lane(FD, 1);
  let fq0 = f64x2.extract_lane(FQ, 0);
  let fq1 = f64x2.extract_lane(FQ, 1);
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gi = ss * load<f32>(g + o);
    const mi = load<f32>(m + o) * b1 + c1 * gi;
    const vi = load<f32>(v + o) * b2 + c2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const u = (step * mi) / (Mathf.sqrt(vi) + eps);
    const qv = load<f32>(p + o);
    const pv = qv + u;
    store<f32>(p + o, pv);
    const dv = <f64>(pv - qv);
    tp += <f64>pv * <f64>pv;
    td += dv * dv;
    tq += <f64>qv * <f64>qv;
    const P = <f64>pv;
    const Q = <f64>qv;
    const D = P - Q;
    if ((i & 1) == 0) {
      fp0 += P * P;
      fd0 += D * D;
      fq0 += Q * Q;
    } else {
      fp1 += P * P;
      fd1 += D * D;
      fq1 += Q * Q;
    }
  }
  store<f64>(out, f64x2.extract_lane(TP, 0) + f64x2.extract_lane(TP, 1) + tp);
  store<f64>(out, f64x2.extract_lane(TD, 0) + f64x2.extract_lane(TD, 1) + td, 8);
  store<f64>(out, f64x2.extract_lane(TQ, 0) + f64x2.extract_lane(TQ, 1) + tq, 16);
  store<f64>(out, fp0 + fp1, 24);
  store<f64>(out, fd0 + fd1, 32);
  store<f64>(out, fq0 + fq1, 40);
}

/** adamF32's update u of the four lanes at g, m, v (m and v advanced in place). */
// @ts-ignore: decorator
@inline
function adamLanes(
  g: usize,
  m: usize,
  v: usize,
  vSign: v128,
  vb1: v128,
  vc1: v128,
  vb2: v128,
  vc2: v128,
  vStep: v128,
  vEps: v128,
): v128 {
  const gi = f32x4.mul(vSign, v128.load(g));
  const mi = f32x4.add(f32x4.mul(v128.load(m), vb1), f32x4.mul(vc1, gi));
  const vi = f32x4.add(f32x4.mul(v128.load(v), vb2), f32x4.mul(f32x4.mul(vc2, gi), gi));
  v128.store(m, mi);
  v128.store(v, vi);
  return f32x4.div(f32x4.mul(vStep, mi), f32x4.add(f32x4.sqrt(vi), vEps));
}

/** Lanes 2, 3 of a float32 vector moved to lanes 0, 1 (for promote_low). */
// @ts-ignore: decorator
@inline
function hiPair(s: v128): v128 {
  return i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
}

/** (s0 + s2, s1 + s3) in float64: a block's lane sums (grad-stats.ts blockSum). */
// @ts-ignore: decorator
@inline
function laneSums(s: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(hiPair(s)));
}
