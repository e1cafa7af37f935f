// The LSTM and GRU gate steps on float32 data (issue 22): the pointwise part of one time step of
// src/kernels/js/rnn-gates.ts, two doubles per f64x2 with exactly the operations, order and
// constants of the JS reference and its activations (src/kernels/js/gate-math.ts: an exp built
// from + − × ÷, floor and an exact power of two; tanh = ./tanh.ts's rational fit inside
// |x| ≤ EDGE, (1 − e)/(1 + e) with e = e^−2|x| outside), each value rounded once to float32 where
// the reference stores it: the wasm and JS paths give the same bits. Addresses are bytes; an
// absent cPrev / hPrev / bHh has its flag 0.
import { EDGE, tanh1, tanh2 } from './tanh';

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const EXP_FLOOR: f64 = -104.0;
const C2: f64 = 0.5;
const C3: f64 = 0.16666666666666666;
const C4: f64 = 0.041666666666666664;
const C5: f64 = 0.008333333333333333;
const C6: f64 = 0.001388888888888889;
const C7: f64 = 0.0001984126984126984;
const C8: f64 = 0.0000248015873015873;
const C9: f64 = 0.0000027557319223985893;
const C10: f64 = 2.755731922398589e-7;
const C11: f64 = 2.505210838544172e-8;

// ---- two lanes ----

// @inline
function sp(v: f64): v128 {
  return f64x2.splat(v);
}

/** Two float32 at byte address p, as doubles. */
// @inline
function ld2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two doubles rounded to float32 and stored at byte address p. */
// @inline
function st2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** The two doubles rounded to float32 and back (what the reference reads after its store). */
// @inline
function rnd2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** e^x for x ≤ 0 (gate-math.ts expNonPositive), two lanes. */
function expNp2(x: v128): v128 {
  const low = f64x2.lt(x, sp(EXP_FLOOR)); // NaN: false, stays NaN
  const xc = v128.bitselect(sp(EXP_FLOOR), x, low);
  const k = f64x2.floor(f64x2.add(f64x2.mul(xc, sp(LOG2E)), sp(0.5)));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(k, sp(LN2_HI))), f64x2.mul(k, sp(LN2_LO)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const p01 = f64x2.add(sp(1), r);
  const p23 = f64x2.add(sp(C2), f64x2.mul(sp(C3), r));
  const p45 = f64x2.add(sp(C4), f64x2.mul(sp(C5), r));
  const p67 = f64x2.add(sp(C6), f64x2.mul(sp(C7), r));
  const p89 = f64x2.add(sp(C8), f64x2.mul(sp(C9), r));
  const pab = f64x2.add(sp(C10), f64x2.mul(sp(C11), r));
  const p03 = f64x2.add(p01, f64x2.mul(p23, r2));
  const p47 = f64x2.add(p45, f64x2.mul(p67, r2));
  const p8b = f64x2.add(p89, f64x2.mul(pab, r2));
  const p = f64x2.add(p03, f64x2.mul(f64x2.add(p47, f64x2.mul(p8b, r4)), r4));
  // 2^k (k in [−150, 0]) from its exponent bits; a NaN lane gives 2^0 and stays NaN through p.
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  const two = i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
  return v128.bitselect(sp(0), f64x2.mul(p, two), low);
}

/** σ(v) (gate-math.ts sigmoidF32), two lanes. */
function sigmoid2(v: v128): v128 {
  const e = expNp2(f64x2.neg(f64x2.abs(v)));
  const num = v128.bitselect(sp(1), e, f64x2.ge(v, sp(0)));
  return f64x2.div(num, f64x2.add(sp(1), e));
}

/** tanh (gate-math.ts tanhGateF32), two lanes. */
function tanhG2(x: v128): v128 {
  const t = tanh2(x);
  const out = f64x2.gt(f64x2.abs(x), sp(EDGE));
  if (!v128.any_true(out)) return t;
  const e = expNp2(f64x2.mul(sp(-2), f64x2.abs(x)));
  const tail = f64x2.div(f64x2.sub(sp(1), e), f64x2.add(sp(1), e));
  const signed = v128.bitselect(tail, f64x2.neg(tail), f64x2.gt(x, sp(0)));
  return v128.bitselect(signed, t, out);
}

// ---- one lane (the remainder of an odd run) ----

function expNp1(x: f64): f64 {
  if (!(x >= EXP_FLOOR)) return x < EXP_FLOOR ? 0 : x;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const p03 = 1 + r + (C2 + C3 * r) * r2;
  const p47 = C4 + C5 * r + (C6 + C7 * r) * r2;
  const p8b = C8 + C9 * r + (C10 + C11 * r) * r2;
  const p = p03 + (p47 + p8b * r4) * r4;
  return p * reinterpret<f64>((<i64>k + 1023) << 52);
}

function sigmoid1(v: f64): f64 {
  const e = expNp1(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

function tanhG1(x: f64): f64 {
  if (x > EDGE || x < -EDGE) {
    const e = expNp1(-2 * Math.abs(x));
    const t = (1 - e) / (1 + e);
    return x > 0 ? t : -t;
  }
  return tanh1(x);
}

// @inline
function ld1(p: usize): f64 {
  return <f64>load<f32>(p);
}

// @inline
function st1(p: usize, v: f64): void {
  store<f32>(p, <f32>v);
}

// @inline
function rnd1(v: f64): f64 {
  return <f64>(<f32>v);
}

// ---- the entries: B rows of one step ----

/**
 * One LSTM step (Kernels.lstmGatesForward): per row the gates i, f, g, o ([B, 4H] at g) are
 * overwritten with σ, σ, tanh, σ; c_t = f·c_{t−1} + i·g and h_t = o·tanh(c_t) ([B, H]).
 */
export function lstmGatesFwdF32(
  g: usize,
  cp: usize,
  hasCp: i32,
  c: usize,
  h: usize,
  B: i32,
  H: i32,
): void {
  const hb = (<usize>H) << 2;
  for (let b: i32 = 0; b < B; b++) {
    const gr = g + <usize>b * 4 * hb;
    const o = <usize>b * hb;
    let j: i32 = 0;
    for (; j + 2 <= H; j += 2) {
      const a = (<usize>j) << 2;
      const ig = rnd2(sigmoid2(ld2(gr + a)));
      const fg = rnd2(sigmoid2(ld2(gr + hb + a)));
      const gg = rnd2(tanhG2(ld2(gr + 2 * hb + a)));
      const og = rnd2(sigmoid2(ld2(gr + 3 * hb + a)));
      st2(gr + a, ig);
      st2(gr + hb + a, fg);
      st2(gr + 2 * hb + a, gg);
      st2(gr + 3 * hb + a, og);
      const cpv = hasCp != 0 ? ld2(cp + o + a) : sp(0);
      const cv = f64x2.add(f64x2.mul(fg, cpv), f64x2.mul(ig, gg));
      st2(c + o + a, cv);
      st2(h + o + a, f64x2.mul(og, tanhG2(cv)));
    }
    for (; j < H; j++) {
      const a = (<usize>j) << 2;
      const ig = rnd1(sigmoid1(ld1(gr + a)));
      const fg = rnd1(sigmoid1(ld1(gr + hb + a)));
      const gg = rnd1(tanhG1(ld1(gr + 2 * hb + a)));
      const og = rnd1(sigmoid1(ld1(gr + 3 * hb + a)));
      st1(gr + a, ig);
      st1(gr + hb + a, fg);
      st1(gr + 2 * hb + a, gg);
      st1(gr + 3 * hb + a, og);
      const cpv: f64 = hasCp != 0 ? ld1(cp + o + a) : 0;
      const cv = fg * cpv + ig * gg;
      st1(c + o + a, cv);
      st1(h + o + a, og * tanhG1(cv));
    }
  }
}

/**
 * One LSTM step backward (Kernels.lstmGatesBackward): the pre-activation gradients into dG
 * ([B, 4H]) and dc ← dL/dc_{t−1}.
 */
export function lstmGatesBwdF32(
  g: usize,
  c: usize,
  cp: usize,
  hasCp: i32,
  gh: usize,
  dh: usize,
  dc: usize,
  dG: usize,
  B: i32,
  H: i32,
): void {
  const hb = (<usize>H) << 2;
  const one = sp(1);
  for (let b: i32 = 0; b < B; b++) {
    const gr = g + <usize>b * 4 * hb;
    const dr = dG + <usize>b * 4 * hb;
    const o = <usize>b * hb;
    let j: i32 = 0;
    for (; j + 2 <= H; j += 2) {
      const a = (<usize>j) << 2;
      const ig = ld2(gr + a);
      const fg = ld2(gr + hb + a);
      const gg = ld2(gr + 2 * hb + a);
      const og = ld2(gr + 3 * hb + a);
      const tc = tanhG2(ld2(c + o + a));
      const dhv = f64x2.add(ld2(gh + o + a), ld2(dh + o + a));
      const dcv = f64x2.add(
        ld2(dc + o + a),
        f64x2.mul(f64x2.mul(dhv, og), f64x2.sub(one, f64x2.mul(tc, tc))),
      );
      const cpv = hasCp != 0 ? ld2(cp + o + a) : sp(0);
      st2(dr + a, f64x2.mul(f64x2.mul(f64x2.mul(dcv, gg), ig), f64x2.sub(one, ig)));
      st2(dr + hb + a, f64x2.mul(f64x2.mul(f64x2.mul(dcv, cpv), fg), f64x2.sub(one, fg)));
      st2(dr + 2 * hb + a, f64x2.mul(f64x2.mul(dcv, ig), f64x2.sub(one, f64x2.mul(gg, gg))));
      st2(dr + 3 * hb + a, f64x2.mul(f64x2.mul(f64x2.mul(dhv, tc), og), f64x2.sub(one, og)));
      st2(dc + o + a, f64x2.mul(dcv, fg));
    }
    for (; j < H; j++) {
      const a = (<usize>j) << 2;
      const ig = ld1(gr + a);
      const fg = ld1(gr + hb + a);
      const gg = ld1(gr + 2 * hb + a);
      const og = ld1(gr + 3 * hb + a);
      const tc = tanhG1(ld1(c + o + a));
      const dhv = ld1(gh + o + a) + ld1(dh + o + a);
      const dcv = ld1(dc + o + a) + dhv * og * (1 - tc * tc);
      const cpv: f64 = hasCp != 0 ? ld1(cp + o + a) : 0;
      st1(dr + a, dcv * gg * ig * (1 - ig));
      st1(dr + hb + a, dcv * cpv * fg * (1 - fg));
      st1(dr + 2 * hb + a, dcv * ig * (1 - gg * gg));
      st1(dr + 3 * hb + a, dhv * tc * og * (1 - og));
      st1(dc + o + a, dcv * fg);
    }
  }
}

/**
 * One GRU step (Kernels.gruGatesForward): r, z = σ(x + hp (+ b)) stored, then
 * n = tanh(x_n + r·hn) with hn = hp_n (+ b_n) saved, h_t = (1 − z)·n + z·h_{t−1}.
 */
export function gruGatesFwdF32(
  g: usize,
  hp: usize,
  bias: usize,
  hasB: i32,
  hn: usize,
  hPrev: usize,
  hasHPrev: i32,
  h: usize,
  B: i32,
  H: i32,
): void {
  const hb = (<usize>H) << 2;
  const one = sp(1);
  for (let b: i32 = 0; b < B; b++) {
    const gr = g + <usize>b * 3 * hb;
    const pr = hp + <usize>b * 3 * hb;
    const o = <usize>b * hb;
    const H2 = 2 * H;
    let j: i32 = 0;
    for (; j + 2 <= H2; j += 2) {
      const a = (<usize>j) << 2;
      const hv = f64x2.add(ld2(pr + a), hasB != 0 ? ld2(bias + a) : sp(0));
      st2(gr + a, sigmoid2(f64x2.add(ld2(gr + a), hv)));
    }
    for (; j < H2; j++) {
      const a = (<usize>j) << 2;
      const hv = ld1(pr + a) + (hasB != 0 ? ld1(bias + a) : 0);
      st1(gr + a, sigmoid1(ld1(gr + a) + hv));
    }
    j = 0;
    for (; j + 2 <= H; j += 2) {
      const a = (<usize>j) << 2;
      const hnv = f64x2.add(ld2(pr + 2 * hb + a), hasB != 0 ? ld2(bias + 2 * hb + a) : sp(0));
      const zg = ld2(gr + hb + a);
      const ng = tanhG2(f64x2.add(ld2(gr + 2 * hb + a), f64x2.mul(ld2(gr + a), hnv)));
      st2(gr + 2 * hb + a, ng);
      st2(hn + o + a, hnv);
      const hpv = hasHPrev != 0 ? ld2(hPrev + o + a) : sp(0);
      st2(h + o + a, f64x2.add(f64x2.mul(f64x2.sub(one, zg), ng), f64x2.mul(zg, hpv)));
    }
    for (; j < H; j++) {
      const a = (<usize>j) << 2;
      const hnv = ld1(pr + 2 * hb + a) + (hasB != 0 ? ld1(bias + 2 * hb + a) : 0);
      const zg = ld1(gr + hb + a);
      const ng = tanhG1(ld1(gr + 2 * hb + a) + ld1(gr + a) * hnv);
      st1(gr + 2 * hb + a, ng);
      st1(hn + o + a, hnv);
      const hpv: f64 = hasHPrev != 0 ? ld1(hPrev + o + a) : 0;
      st1(h + o + a, (1 - zg) * ng + zg * hpv);
    }
  }
}

/**
 * One GRU step backward (Kernels.gruGatesBackward): dXP = (dr, dz, dn), dHP = (dr, dz, dn·r)
 * ([B, 3H] each) and dh ← dh·z.
 */
export function gruGatesBwdF32(
  g: usize,
  hn: usize,
  hPrev: usize,
  hasHPrev: i32,
  gh: usize,
  dh: usize,
  dXP: usize,
  dHP: usize,
  B: i32,
  H: i32,
): void {
  const hb = (<usize>H) << 2;
  const one = sp(1);
  for (let b: i32 = 0; b < B; b++) {
    const gr = g + <usize>b * 3 * hb;
    const xr = dXP + <usize>b * 3 * hb;
    const pr = dHP + <usize>b * 3 * hb;
    const o = <usize>b * hb;
    let j: i32 = 0;
    for (; j + 2 <= H; j += 2) {
      const a = (<usize>j) << 2;
      const rg = ld2(gr + a);
      const zg = ld2(gr + hb + a);
      const ng = ld2(gr + 2 * hb + a);
      const hpv = hasHPrev != 0 ? ld2(hPrev + o + a) : sp(0);
      const dhv = f64x2.add(ld2(gh + o + a), ld2(dh + o + a));
      const dn = f64x2.mul(f64x2.mul(dhv, f64x2.sub(one, zg)), f64x2.sub(one, f64x2.mul(ng, ng)));
      const dr = f64x2.mul(f64x2.mul(f64x2.mul(dn, ld2(hn + o + a)), rg), f64x2.sub(one, rg));
      const dz = f64x2.mul(f64x2.mul(f64x2.mul(dhv, f64x2.sub(hpv, ng)), zg), f64x2.sub(one, zg));
      st2(xr + a, dr);
      st2(xr + hb + a, dz);
      st2(xr + 2 * hb + a, dn);
      st2(pr + a, dr);
      st2(pr + hb + a, dz);
      st2(pr + 2 * hb + a, f64x2.mul(dn, rg));
      st2(dh + o + a, f64x2.mul(dhv, zg));
    }
    for (; j < H; j++) {
      const a = (<usize>j) << 2;
      const rg = ld1(gr + a);
      const zg = ld1(gr + hb + a);
      const ng = ld1(gr + 2 * hb + a);
      const hpv: f64 = hasHPrev != 0 ? ld1(hPrev + o + a) : 0;
      const dhv = ld1(gh + o + a) + ld1(dh + o + a);
      const dn = dhv * (1 - zg) * (1 - ng * ng);
      const dr = dn * ld1(hn + o + a) * rg * (1 - rg);
      const dz = dhv * (hpv - ng) * zg * (1 - zg);
      st1(xr + a, dr);
      st1(xr + hb + a, dz);
      st1(xr + 2 * hb + a, dn);
      st1(pr + a, dr);
      st1(pr + hb + a, dz);
      st1(pr + 2 * hb + a, dn * rg);
      st1(dh + o + a, dhv * zg);
    }
  }
}
