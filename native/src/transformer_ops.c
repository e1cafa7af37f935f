/* GELU and layer normalisation (issue 22, the W5 Transformer): the reference kernels of
 * src/kernels/js/gelu.ts and src/kernels/js/layer-norm.ts, operation for operation in double
 * precision, each result rounded once to the array's dtype at its store: the same bits as the JS
 * reference. AVX2 (four doubles per vector) when the CPU has it, scalar code otherwise and for
 * the remainders. Built with -ffp-contract=off: no fused multiply-adds.
 *
 * GELU (float32 only; float64 uses Math.exp/Math.tanh and stays on the JS reference): the tanh
 * form with gate-math's tanh (gate_math.h), the exact form x·Φ(x) with Φ from gelu-math.ts
 * (a degree-13 polynomial in x² for |x| ≤ 2, e^(−x²/2)·t·G(t), t = 1/|x|, beyond).
 *
 * Layer normalisation (both dtypes): each row's sums in eight accumulators (element j into
 * accumulator j mod 8: two vectors), combined as ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
 * dγ and dβ add the rows in order, each thread owning whole columns.
 * Threads: rows (layer norm, dx) or elements (GELU) split over the pool; every value is computed
 * by the same operations wherever it runs, so the bits do not depend on the thread count. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "gs.h"
#include "gate_math.h"
#include "transformer_ops.h"

#define SQRT_2_OVER_PI 0.7978845608028654
#define GELU_C 0.044715
#define GELU_3C (3 * 0.044715)
#define INV_SQRT_2PI 0.3989422804014327
#define PHI_CENTRAL 2.0

static const double P[14] = {
    -1.1606779311358433e-16, 6.30127480647449e-15,    -1.9980460870692806e-13,
    5.055861492246278e-12,   -1.1283088889529666e-10, 2.2731201469848888e-09,
    -4.122601622240647e-08,  6.659686122475279e-07,   -9.444655693847572e-06,
    0.00011543468733518617,  -0.0011873282153967084,  0.009973557010022772,
    -0.06649038006690465,    0.39894228040143265};
#define GN 23
static const double G[GN] = {
    172584.30694876556,   -1070584.8742650223,  3116696.1778598004,    -5652868.4876273535,
    7147586.959759211,    -6674331.297201576,   4750920.266152204,     -2618270.4220977714,
    1119729.713680856,    -367109.4700213858,   89378.45734061503,     -15248.337658766462,
    1767.1992907187594,   -239.00687372328034,  63.0209729992617,      -1.4738980037449574,
    -5.903943531147803,   -0.00334431823013429, 1.1969310259151398,    -2.3323218905459365e-06,
    -0.39894224514988696, -3.205583905858049e-10, 0.39894228040275187};

/* ---- scalar: gelu-math.ts and gelu.ts, line for line ---- */

static double phi_central(double x) {
  double s = x * x, p = P[0];
  for (int i = 1; i < 14; i++) p = P[i] + s * p;
  return 0.5 + x * p;
}

static double phi_tail(double x, double e) {
  double u = x < 0 ? -x : x;
  double t = 1 / u, g = G[0];
  for (int i = 1; i < GN; i++) g = G[i] + t * g;
  double q = e * t * g;
  return x > 0 ? 1 - q : q;
}

static int central(double v) { return v >= -PHI_CENTRAL && v <= PHI_CENTRAL; }

static void gelu_fwd_s(const float *x, float *y, long lo, long hi, int tanhForm) {
  for (long i = lo; i < hi; i++) {
    double v = x[i];
    if (tanhForm) {
      double u = SQRT_2_OVER_PI * (v + GELU_C * v * v * v);
      y[i] = (float)(0.5 * v * (1 + tanh_s(u)));
    } else {
      double phi = central(v) ? phi_central(v) : phi_tail(v, exp_np(-(0.5 * v * v)));
      y[i] = (float)(v * phi);
    }
  }
}

static void gelu_bwd_s(const float *x, const float *g, float *dx, long lo, long hi, int tanhForm) {
  for (long i = lo; i < hi; i++) {
    double v = x[i];
    if (tanhForm) {
      double u = SQRT_2_OVER_PI * (v + GELU_C * v * v * v);
      double t = tanh_s(u);
      double du = SQRT_2_OVER_PI * (1 + GELU_3C * v * v);
      dx[i] = (float)((double)g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du));
    } else {
      double e = exp_np(-(0.5 * v * v));
      double phi = central(v) ? phi_central(v) : phi_tail(v, e);
      dx[i] = (float)((double)g[i] * (phi + v * (INV_SQRT_2PI * e)));
    }
  }
}

/* ---- AVX2 ---- */

ATTR static inline __m256d tanh_u4(__m256d v) {
  __m256d c3 = mul(mul(mul(set1(GELU_C), v), v), v);
  return mul(set1(SQRT_2_OVER_PI), add(v, c3));
}

ATTR static inline __m256d phi_central4(__m256d v) {
  __m256d s = mul(v, v), p = set1(P[0]);
  for (int i = 1; i < 14; i++) p = add(set1(P[i]), mul(s, p));
  return add(set1(0.5), mul(v, p));
}

ATTR static inline __m256d phi_tail4(__m256d v, __m256d e) {
  __m256d t = _mm256_div_pd(set1(1), vabs(v)), g = set1(G[0]);
  for (int i = 1; i < GN; i++) g = add(set1(G[i]), mul(t, g));
  __m256d q = mul(mul(e, t), g);
  __m256d pos = _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_GT_OQ);
  return _mm256_blendv_pd(q, sub(set1(1), q), pos);
}

/* −(0.5·v·v) */
ATTR static inline __m256d neg_half_sq4(__m256d v) {
  return _mm256_xor_pd(mul(mul(set1(0.5), v), v), set1(-0.0));
}

/* Φ(v) from e = e^(−v²/2) (computed only when a lane needs the tail, unless given). */
ATTR static inline __m256d phi4(__m256d v, __m256d e, int haveE) {
  __m256d in = _mm256_and_pd(_mm256_cmp_pd(v, set1(-PHI_CENTRAL), _CMP_GE_OQ),
                             _mm256_cmp_pd(v, set1(PHI_CENTRAL), _CMP_LE_OQ));
  int m = _mm256_movemask_pd(in);
  __m256d phi = m != 0 ? phi_central4(v) : _mm256_setzero_pd();
  if (m != 0xF) {
    if (!haveE) e = exp_np4(neg_half_sq4(v));
    phi = _mm256_blendv_pd(phi_tail4(v, e), phi, in);
  }
  return phi;
}

ATTR static void gelu_fwd_avx2(const float *x, float *y, long lo, long hi, int tanhForm) {
  long i = lo;
  if (tanhForm) {
    for (; i + 8 <= hi; i += 8) {
      __m256d v0 = ld4(x + i), v1 = ld4(x + i + 4);
      __m256d t0 = tanh4(tanh_u4(v0)), t1 = tanh4(tanh_u4(v1));
      st4(y + i, mul(mul(set1(0.5), v0), add(set1(1), t0)));
      st4(y + i + 4, mul(mul(set1(0.5), v1), add(set1(1), t1)));
    }
  } else {
    for (; i + 4 <= hi; i += 4) {
      __m256d v = ld4(x + i);
      st4(y + i, mul(v, phi4(v, _mm256_setzero_pd(), 0)));
    }
  }
  gelu_fwd_s(x, y, i, hi, tanhForm);
}

ATTR static void gelu_bwd_avx2(const float *x, const float *g, float *dx, long lo, long hi,
                               int tanhForm) {
  long i = lo;
  const __m256d one = set1(1), half = set1(0.5);
  if (tanhForm) {
    for (; i + 4 <= hi; i += 4) {
      __m256d v = ld4(x + i);
      __m256d t = tanh4(tanh_u4(v));
      __m256d du = mul(set1(SQRT_2_OVER_PI), add(one, mul(mul(set1(GELU_3C), v), v)));
      __m256d d = add(mul(half, add(one, t)), mul(mul(mul(half, v), sub(one, mul(t, t))), du));
      st4(dx + i, mul(ld4(g + i), d));
    }
  } else {
    for (; i + 4 <= hi; i += 4) {
      __m256d v = ld4(x + i);
      __m256d e = exp_np4(neg_half_sq4(v));
      __m256d phi = phi4(v, e, 1);
      st4(dx + i, mul(ld4(g + i), add(phi, mul(v, mul(set1(INV_SQRT_2PI), e)))));
    }
  }
  gelu_bwd_s(x, g, dx, i, hi, tanhForm);
}

typedef struct {
  const float *x, *g;
  float *out;
  int tanhForm;
} gelu_job;

static void gelu_fwd_range(void *ctx, long lo, long hi) {
  gelu_job *j = ctx;
  if (gs_isa() == GS_ISA_AVX2_FMA) gelu_fwd_avx2(j->x, j->out, lo, hi, j->tanhForm);
  else gelu_fwd_s(j->x, j->out, lo, hi, j->tanhForm);
}

static void gelu_bwd_range(void *ctx, long lo, long hi) {
  gelu_job *j = ctx;
  if (gs_isa() == GS_ISA_AVX2_FMA) gelu_bwd_avx2(j->x, j->g, j->out, lo, hi, j->tanhForm);
  else gelu_bwd_s(j->x, j->g, j->out, lo, hi, j->tanhForm);
}

void gs_gelu_fwd_f32(const float *x, float *y, long n, int tanhForm) {
  gelu_job j = {x, NULL, y, tanhForm};
  gs_parallel_for(n, 64, 16384, gelu_fwd_range, &j);
}

void gs_gelu_bwd_f32(const float *x, const float *g, float *dx, long n, int tanhForm) {
  gelu_job j = {x, g, dx, tanhForm};
  gs_parallel_for(n, 64, 16384, gelu_bwd_range, &j);
}

/* ---- layer normalisation, both dtypes ---- */

static double combine8(const double *s) {
  return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

ATTR static inline __m256d ld4d(const double *p) { return _mm256_loadu_pd(p); }
ATTR static inline void st4d(double *p, __m256d v) { _mm256_storeu_pd(p, v); }

#define T float
#define S f32
#define LD ld4
#define ST st4
#include "transformer_ops_tmpl.h"
#undef T
#undef S
#undef LD
#undef ST

#define T double
#define S f64
#define LD ld4d
#define ST st4d
#include "transformer_ops_tmpl.h"
#undef T
#undef S
#undef LD
#undef ST
