/* The LSTM and GRU gate steps on float32 data (issue 22, item 4): the pointwise part of one time
 * step of src/kernels/js/rnn-gates.ts, operation for operation in double precision with the
 * activations of src/kernels/js/gate-math.ts (an exp built from + − × ÷, floor and an exact
 * power of two; Eigen's rational tanh inside |x| ≤ 7.9053 and (1 − e)/(1 + e) outside), each value
 * rounded to float32 where the JS reference stores it: the same bits as the JS reference and the
 * wasm kernels. AVX2 (four doubles per vector) when the CPU has it, the scalar loop otherwise and
 * for the last H mod 4 columns. Built with -ffp-contract=off: no fused multiply-adds.
 * float64 gate steps are not here: they use Math.exp and Math.tanh, and stay on the JS reference. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "gs.h"
#include "rnn_gates.h"

#include "gate_math.h"

/* ---- scalar ---- */

static double sigmoid_s(double v) {
  double e = exp_np(-fabs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/* One float32 rounding, back in double (what the reference reads after storing). */
static double r32(double v) { return (double)(float)v; }

static void lstm_fwd_cols(float *g, const float *cp, float *c, float *h, long H, long j0) {
  for (long j = j0; j < H; j++) {
    double ig = r32(sigmoid_s(g[j])), fg = r32(sigmoid_s(g[H + j]));
    double gg = r32(tanh_s(g[2 * H + j])), og = r32(sigmoid_s(g[3 * H + j]));
    g[j] = (float)ig;
    g[H + j] = (float)fg;
    g[2 * H + j] = (float)gg;
    g[3 * H + j] = (float)og;
    double cpv = cp != NULL ? (double)cp[j] : 0;
    double cv = fg * cpv + ig * gg;
    c[j] = (float)cv;
    h[j] = (float)(og * tanh_s(cv));
  }
}

static void lstm_bwd_cols(const float *g, const float *c, const float *cp, const float *gh,
                          const float *dh, float *dc, float *dG, long H, long j0) {
  for (long j = j0; j < H; j++) {
    double ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
    double tc = tanh_s(c[j]);
    double dhv = (double)gh[j] + (double)dh[j];
    double dcv = (double)dc[j] + dhv * og * (1 - tc * tc);
    double cpv = cp != NULL ? (double)cp[j] : 0;
    dG[j] = (float)(dcv * gg * ig * (1 - ig));
    dG[H + j] = (float)(dcv * cpv * fg * (1 - fg));
    dG[2 * H + j] = (float)(dcv * ig * (1 - gg * gg));
    dG[3 * H + j] = (float)(dhv * tc * og * (1 - og));
    dc[j] = (float)(dcv * fg);
  }
}

/* ---- AVX2: the same operations on four doubles ---- */

ATTR static inline __m256d sigmoid4(__m256d v) {
  __m256d e = exp_np4(_mm256_xor_pd(vabs(v), set1(-0.0)));
  __m256d pos = _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_GE_OQ);
  return _mm256_div_pd(_mm256_blendv_pd(e, set1(1), pos), add(set1(1), e));
}

ATTR static void lstm_fwd_row_avx2(float *g, const float *cp, float *c, float *h, long H) {
  long j = 0;
  for (; j + 4 <= H; j += 4) {
    __m256d ig = rnd4(sigmoid4(ld4(g + j))), fg = rnd4(sigmoid4(ld4(g + H + j)));
    __m256d gg = rnd4(tanh4(ld4(g + 2 * H + j))), og = rnd4(sigmoid4(ld4(g + 3 * H + j)));
    st4(g + j, ig);
    st4(g + H + j, fg);
    st4(g + 2 * H + j, gg);
    st4(g + 3 * H + j, og);
    __m256d cpv = cp != NULL ? ld4(cp + j) : _mm256_setzero_pd();
    __m256d cv = add(mul(fg, cpv), mul(ig, gg));
    st4(c + j, cv);
    st4(h + j, mul(og, tanh4(cv)));
  }
  lstm_fwd_cols(g, cp, c, h, H, j);
}

ATTR static void lstm_bwd_row_avx2(const float *g, const float *c, const float *cp,
                                   const float *gh, const float *dh, float *dc, float *dG, long H) {
  const __m256d one = set1(1);
  long j = 0;
  for (; j + 4 <= H; j += 4) {
    __m256d ig = ld4(g + j), fg = ld4(g + H + j), gg = ld4(g + 2 * H + j), og = ld4(g + 3 * H + j);
    __m256d tc = tanh4(ld4(c + j));
    __m256d dhv = add(ld4(gh + j), ld4(dh + j));
    __m256d dcv = add(ld4(dc + j), mul(mul(dhv, og), sub(one, mul(tc, tc))));
    __m256d cpv = cp != NULL ? ld4(cp + j) : _mm256_setzero_pd();
    st4(dG + j, mul(mul(mul(dcv, gg), ig), sub(one, ig)));
    st4(dG + H + j, mul(mul(mul(dcv, cpv), fg), sub(one, fg)));
    st4(dG + 2 * H + j, mul(mul(dcv, ig), sub(one, mul(gg, gg))));
    st4(dG + 3 * H + j, mul(mul(mul(dhv, tc), og), sub(one, og)));
    st4(dc + j, mul(dcv, fg));
  }
  lstm_bwd_cols(g, c, cp, gh, dh, dc, dG, H, j);
}

/* σ over the r and z columns [j0, 2H) of one row (the hidden-side sums added first). */
static void gru_fwd_cols(float *g, const float *hp, const float *b, long H, long j0) {
  for (long j = j0; j < 2 * H; j++) {
    double hv = (double)hp[j] + (b != NULL ? (double)b[j] : 0);
    g[j] = (float)sigmoid_s((double)g[j] + hv);
  }
}

static void gru_fwd_cells(float *g, const float *hp, const float *b, float *hn, const float *hpv,
                          float *h, long H, long j0) {
  for (long j = j0; j < H; j++) {
    double hnv = (double)hp[2 * H + j] + (b != NULL ? (double)b[2 * H + j] : 0);
    double zg = g[H + j];
    double ng = tanh_s((double)g[2 * H + j] + (double)g[j] * hnv);
    g[2 * H + j] = (float)ng;
    hn[j] = (float)hnv;
    double hprev = hpv != NULL ? (double)hpv[j] : 0;
    h[j] = (float)((1 - zg) * ng + zg * hprev);
  }
}

ATTR static void gru_fwd_row_avx2(float *g, const float *hp, const float *b, float *hn,
                                  const float *hpv, float *h, long H) {
  long j = 0;
  for (; j + 4 <= 2 * H; j += 4) {
    __m256d hv = add(ld4(hp + j), b != NULL ? ld4(b + j) : _mm256_setzero_pd());
    st4(g + j, sigmoid4(add(ld4(g + j), hv)));
  }
  gru_fwd_cols(g, hp, b, H, j);
  const __m256d one = set1(1);
  j = 0;
  for (; j + 4 <= H; j += 4) {
    __m256d hnv = add(ld4(hp + 2 * H + j), b != NULL ? ld4(b + 2 * H + j) : _mm256_setzero_pd());
    __m256d zg = ld4(g + H + j);
    __m256d ng = tanh4(add(ld4(g + 2 * H + j), mul(ld4(g + j), hnv)));
    st4(g + 2 * H + j, ng);
    st4(hn + j, hnv);
    __m256d hprev = hpv != NULL ? ld4(hpv + j) : _mm256_setzero_pd();
    st4(h + j, add(mul(sub(one, zg), ng), mul(zg, hprev)));
  }
  gru_fwd_cells(g, hp, b, hn, hpv, h, H, j);
}

static void gru_bwd_cols(const float *g, const float *hn, const float *hpv, const float *gh,
                         float *dh, float *dXP, float *dHP, long H, long j0) {
  for (long j = j0; j < H; j++) {
    double rg = g[j], zg = g[H + j], ng = g[2 * H + j];
    double hprev = hpv != NULL ? (double)hpv[j] : 0;
    double dhv = (double)gh[j] + (double)dh[j];
    double dn = dhv * (1 - zg) * (1 - ng * ng);
    double dr = dn * (double)hn[j] * rg * (1 - rg);
    double dz = dhv * (hprev - ng) * zg * (1 - zg);
    dXP[j] = (float)dr;
    dXP[H + j] = (float)dz;
    dXP[2 * H + j] = (float)dn;
    dHP[j] = (float)dr;
    dHP[H + j] = (float)dz;
    dHP[2 * H + j] = (float)(dn * rg);
    dh[j] = (float)(dhv * zg);
  }
}

ATTR static void gru_bwd_row_avx2(const float *g, const float *hn, const float *hpv,
                                  const float *gh, float *dh, float *dXP, float *dHP, long H) {
  const __m256d one = set1(1);
  long j = 0;
  for (; j + 4 <= H; j += 4) {
    __m256d rg = ld4(g + j), zg = ld4(g + H + j), ng = ld4(g + 2 * H + j);
    __m256d hprev = hpv != NULL ? ld4(hpv + j) : _mm256_setzero_pd();
    __m256d dhv = add(ld4(gh + j), ld4(dh + j));
    __m256d dn = mul(mul(dhv, sub(one, zg)), sub(one, mul(ng, ng)));
    __m256d dr = mul(mul(mul(dn, ld4(hn + j)), rg), sub(one, rg));
    __m256d dz = mul(mul(mul(dhv, sub(hprev, ng)), zg), sub(one, zg));
    st4(dXP + j, dr);
    st4(dXP + H + j, dz);
    st4(dXP + 2 * H + j, dn);
    st4(dHP + j, dr);
    st4(dHP + H + j, dz);
    st4(dHP + 2 * H + j, mul(dn, rg));
    st4(dh + j, mul(dhv, zg));
  }
  gru_bwd_cols(g, hn, hpv, gh, dh, dXP, dHP, H, j);
}

/* ---- entries: B rows of one step (pointers already at the step's offsets) ---- */

void gs_lstm_gates_fwd_f32(float *gates, const float *cPrev, float *c, float *h, long B, long H) {
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  for (long b = 0; b < B; b++) {
    float *g = gates + b * 4 * H;
    const float *cp = cPrev != NULL ? cPrev + b * H : NULL;
    if (avx) lstm_fwd_row_avx2(g, cp, c + b * H, h + b * H, H);
    else lstm_fwd_cols(g, cp, c + b * H, h + b * H, H, 0);
  }
}

void gs_lstm_gates_bwd_f32(const float *gates, const float *c, const float *cPrev,
                           const float *gh, const float *dh, float *dc, float *dG, long B, long H) {
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  for (long b = 0; b < B; b++) {
    const float *g = gates + b * 4 * H;
    const float *cp = cPrev != NULL ? cPrev + b * H : NULL;
    long o = b * H;
    if (avx) lstm_bwd_row_avx2(g, c + o, cp, gh + o, dh + o, dc + o, dG + b * 4 * H, H);
    else lstm_bwd_cols(g, c + o, cp, gh + o, dh + o, dc + o, dG + b * 4 * H, H, 0);
  }
}

void gs_gru_gates_fwd_f32(float *gates, const float *hp, const float *bHh, float *hn,
                          const float *hPrev, float *h, long B, long H) {
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  for (long b = 0; b < B; b++) {
    float *g = gates + b * 3 * H;
    const float *p = hp + b * 3 * H;
    const float *hpv = hPrev != NULL ? hPrev + b * H : NULL;
    long o = b * H;
    if (avx) gru_fwd_row_avx2(g, p, bHh, hn + o, hpv, h + o, H);
    else {
      gru_fwd_cols(g, p, bHh, H, 0);
      gru_fwd_cells(g, p, bHh, hn + o, hpv, h + o, H, 0);
    }
  }
}

void gs_gru_gates_bwd_f32(const float *gates, const float *hn, const float *hPrev,
                          const float *gh, float *dh, float *dXP, float *dHP, long B, long H) {
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  for (long b = 0; b < B; b++) {
    const float *g = gates + b * 3 * H;
    const float *hpv = hPrev != NULL ? hPrev + b * H : NULL;
    long o = b * H, d = b * 3 * H;
    if (avx) gru_bwd_row_avx2(g, hn + o, hpv, gh + o, dh + o, dXP + d, dHP + d, H);
    else gru_bwd_cols(g, hn + o, hpv, gh + o, dh + o, dXP + d, dHP + d, H, 0);
  }
}
