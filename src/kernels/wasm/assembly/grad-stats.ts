// Gradient statistics over float32 data in linear memory, 8 elements (two vectors) at a time:
// Σx², max x² and the number of exact zeros in one pass, for the gradient-health monitor and
// clipping by the global norm (kernels/grad-stats.ts finishes them: max |x| = √max x², and the
// rare cases — non-finite entries, overflow, tiny gradients — in float64). Six SIMD operations
// per vector (load, mul, add, max, eq, sub): the pass is bound by them, not by memory, so max x²
// reuses the square instead of masking |x|. No static data (the shared-memory build forbids it).
//
// The order of the sum (kernels/js/grad-stats.ts reproduces it bit for bit): the elements are
// taken in blocks of 512; within a block, element i is squared and added in float32 to lane
// i mod 8 (two vectors of four lanes, a and b); at the end of the block s_j = a_j + b_j (float32)
// and, in float64, T0 += s0 + s2, T1 += s1 + s3. The n mod 8 elements after the last whole vector
// pair are squared and summed in float64 (t), and Σx² = (T0 + T1) + t. Float32 sums over at most
// 64 terms per lane keep the relative error below 4e-6 (typically 1e-7); the block sums are
// float64. max x² compares the bits of the float32 squares as signed integers (the order of
// non-negative
// floats); a non-finite entry shows in Σx² (NaN or +Inf), which the caller checks.

/** Elements per float32 block (see the file comment). */
const BLOCK: i32 = 512;

/** Σx², max x² (float32 squares) and zeros of n float32 at byte address x, as float64 to out[0..2]. */
export function gradStatsF32(x: usize, n: i32, out: usize): void {
  const fz = f32x4.splat(0);
  let T = f64x2.splat(0);
  let mx = i32x4.splat(0);
  let zc = i32x4.splat(0);
  const n8 = n & ~7;
  let i: i32 = 0;
  while (i < n8) {
    let end = i + BLOCK;
    if (end > n8) end = n8;
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    for (; i < end; i += 8) {
      const o = (<usize>i) << 2;
      const v0 = v128.load(x + o);
      const v1 = v128.load(x + o + 16);
      const s0 = f32x4.mul(v0, v0);
      const s1 = f32x4.mul(v1, v1);
      mx = i32x4.max_s(mx, i32x4.max_s(s0, s1));
      // f32x4.eq gives −1 per equal lane: subtracting counts the zeros
      zc = i32x4.sub(zc, i32x4.add(f32x4.eq(v0, fz), f32x4.eq(v1, fz)));
      a = f32x4.add(a, s0);
      b = f32x4.add(b, s1);
    }
    const s = f32x4.add(a, b);
    const hi = i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    T = f64x2.add(T, f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(hi)));
  }
  let m: i32 = i32x4.extract_lane(mx, 0);
  for (let l = 1; l < 4; l++) {
    const q: i32 =
      l == 1
        ? i32x4.extract_lane(mx, 1)
        : l == 2
          ? i32x4.extract_lane(mx, 2)
          : i32x4.extract_lane(mx, 3);
    if (q > m) m = q;
  }
  let zeros: i32 =
    i32x4.extract_lane(zc, 0) +
    i32x4.extract_lane(zc, 1) +
    i32x4.extract_lane(zc, 2) +
    i32x4.extract_lane(zc, 3);
  let t: f64 = 0;
  for (; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    const d = <f64>v;
    t += d * d;
    const bits = reinterpret<i32>(v * v);
    if (bits > m) m = bits;
    if (v == 0) zeros++;
  }
  store<f64>(out, f64x2.extract_lane(T, 0) + f64x2.extract_lane(T, 1) + t);
  store<f64>(out, <f64>reinterpret<f32>(m), 8);
  store<f64>(out, <f64>zeros, 16);
}

/**
 * Σx² of n float32 at byte address x, as float64 to out[0]: gradStatsF32's sum, in its order
 * (the same bits), without max x² and the zeros (three SIMD operations per vector instead of
 * six): the pass a norm needs (clipping by the global norm, ‖p‖). kernels/grad-stats.ts decides
 * when this sum is final and when the full pass must run (non-finite or tiny sums).
 */
export function sumSquaresF32(x: usize, n: i32, out: usize): void {
  let T = f64x2.splat(0);
  const n8 = n & ~7;
  let i: i32 = 0;
  while (i < n8) {
    let end = i + BLOCK;
    if (end > n8) end = n8;
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    for (; i < end; i += 8) {
      const o = (<usize>i) << 2;
      const v0 = v128.load(x + o);
      const v1 = v128.load(x + o + 16);
      a = f32x4.add(a, f32x4.mul(v0, v0));
      b = f32x4.add(b, f32x4.mul(v1, v1));
    }
    const s = f32x4.add(a, b);
    const hi = i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    T = f64x2.add(T, f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(hi)));
  }
  let t: f64 = 0;
  for (; i < n; i++) {
    const d = <f64>load<f32>(x + ((<usize>i) << 2));
    t += d * d;
  }
  store<f64>(out, f64x2.extract_lane(T, 0) + f64x2.extract_lane(T, 1) + t);
}

/**
 * Σp², Σ(p − q)² and Σq² of n float32 at byte addresses p and q (a parameter and its snapshot),
 * written as float64 to out[0..2]: the monitor's ‖p‖ and update ratio ‖Δp‖/‖p_before‖. Each sum
 * in the order of gradStatsF32 (float32 lanes i mod 8 within blocks of 512, float64 across
 * blocks, a float64 tail); p − q is rounded to float32 (exact when the two are within a factor
 * 2 of each other, as a parameter and its value one step before nearly always are).
 */
export function updateStatsF32(p: usize, q: usize, n: i32, out: usize): void {
  let TP = f64x2.splat(0);
  let TD = f64x2.splat(0);
  let TQ = f64x2.splat(0);
  const n8 = n & ~7;
  let i: i32 = 0;
  while (i < n8) {
    let end = i + BLOCK;
    if (end > n8) end = n8;
    let pa = f32x4.splat(0);
    let pb = f32x4.splat(0);
    let da = f32x4.splat(0);
    let db = f32x4.splat(0);
    let qa = f32x4.splat(0);
    let qb = f32x4.splat(0);
    for (; i < end; i += 8) {
      const o = (<usize>i) << 2;
      const p0 = v128.load(p + o);
      const p1 = v128.load(p + o + 16);
      const q0 = v128.load(q + o);
      const q1 = v128.load(q + o + 16);
      const d0 = f32x4.sub(p0, q0);
      const d1 = f32x4.sub(p1, q1);
      pa = f32x4.add(pa, f32x4.mul(p0, p0));
      pb = f32x4.add(pb, f32x4.mul(p1, p1));
      da = f32x4.add(da, f32x4.mul(d0, d0));
      db = f32x4.add(db, f32x4.mul(d1, d1));
      qa = f32x4.add(qa, f32x4.mul(q0, q0));
      qb = f32x4.add(qb, f32x4.mul(q1, q1));
    }
    TP = f64x2.add(TP, blockSum(f32x4.add(pa, pb)));
    TD = f64x2.add(TD, blockSum(f32x4.add(da, db)));
    TQ = f64x2.add(TQ, blockSum(f32x4.add(qa, qb)));
  }
  let tp: f64 = 0;
  let td: f64 = 0;
  let tq: f64 = 0;
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const pv = load<f32>(p + o);
    const qv = load<f32>(q + o);
    const dv = <f64>(pv - qv);
    tp += <f64>pv * <f64>pv;
    td += dv * dv;
    tq += <f64>qv * <f64>qv;
  }
  store<f64>(out, f64x2.extract_lane(TP, 0) + f64x2.extract_lane(TP, 1) + tp);
  store<f64>(out, f64x2.extract_lane(TD, 0) + f64x2.extract_lane(TD, 1) + td, 8);
  store<f64>(out, f64x2.extract_lane(TQ, 0) + f64x2.extract_lane(TQ, 1) + tq, 16);
}

/** (s0 + s2, s1 + s3) in float64: a block's lane sums folded into the float64 pair. */
function blockSum(s: v128): v128 {
  const hi = i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  return f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(hi));
}

/** Copies n float32 from byte address src to dst (memory.copy: the engine's memmove). */
export function copyF32(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, (<usize>n) << 2);
}
