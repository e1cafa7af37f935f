/* Softmax cross-entropy on float32 logits (issue 22): src/kernels/js/cross-entropy.ts operation
 * for operation in double precision, each value rounded to float32 where the JS reference stores
 * it, with its exp (gate-math.ts expNonPositive, the scalar exp of rnn_gates.c) and its log
 * (log-positive.ts): IEEE double operations only, so the same bits as the JS reference. Built with
 * -ffp-contract=off. Rows are independent: the log-sum-exps (forward) and the gradient rows
 * (backward) are split over the pool's threads for large problems; the loss sums run after, on
 * the caller, in row order, so the bits never depend on the thread count. */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "gs.h"
#include "losses.h"

#include "gate_math.h" /* exp_np, exp_np4: gate-math.ts expNonPositive, shared with the gates */

#define SQRT2 1.4142135623730951
#define TWO54 18014398509481984.0
#define DBL_MIN_NORMAL 2.2250738585072014e-308
#define AVX2 __attribute__((target("avx2,fma")))

/* out[i] = exp_np((double)z[i] − shift) for i < n (n ≤ CHUNK). */
AVX2 static void exp_shift_avx2(const float *z, double shift, double *out, long n) {
  const __m256d sh = _mm256_set1_pd(shift);
  long i = 0;
  for (; i + 4 <= n; i += 4)
    _mm256_storeu_pd(out + i, exp_np4(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(z + i)), sh)));
  for (; i < n; i++) out[i] = exp_np((double)z[i] - shift);
}
static void exp_shift(const float *z, double shift, double *out, long n) {
  if (gs_isa() >= GS_ISA_AVX2_FMA) {
    exp_shift_avx2(z, shift, out, n);
    return;
  }
  for (long i = 0; i < n; i++) out[i] = exp_np((double)z[i] - shift);
}
/* Columns per chunk of a row: the exps of a chunk go through a stack buffer. */
#define CHUNK 256

/* ln x for x ≥ 0: log-positive.ts logPositive, line for line. */
static double log_pos(double x) {
  if (!(x > 0 && x < INFINITY)) return x == 0 ? -INFINITY : x == INFINITY ? x : NAN;
  double e = 0, v = x;
  if (v < DBL_MIN_NORMAL) {
    v *= TWO54;
    e = -54;
  }
  uint64_t b;
  memcpy(&b, &v, 8);
  e += (double)((long)(b >> 52) - 1023); /* v > 0: no sign bit */
  b = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double f;
  memcpy(&f, &b, 8); /* in [1, 2) */
  if (f > SQRT2) {
    f /= 2;
    e += 1;
  }
  double u = (f - 1) / (f + 1), u2 = u * u;
  double q = 1.0 / 3 +
             u2 * (1.0 / 5 +
                   u2 * (1.0 / 7 +
                         u2 * (1.0 / 9 +
                               u2 * (1.0 / 11 +
                                     u2 * (1.0 / 13 +
                                           u2 * (1.0 / 15 +
                                                 u2 * (1.0 / 17 +
                                                       u2 * (1.0 / 19 + u2 * (1.0 / 21 + u2 * (1.0 / 23))))))))));
  double lnf = 2 * u + 2 * u * (u2 * q);
  return e * LN2_HI + (e * LN2_LO + lnf);
}

/* Math.max: NaN if either is NaN; +0 over −0. */
static inline double js_max(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

typedef struct {
  const float *z, *w, *g;
  const int32_t *t;
  long n, c, ignoreIndex;
  double eps, scale, sumW;
  double *lse;
  const double *lseIn;
  float *dz;
} xent_job;

static void lse_rows(void *ctx, long lo, long hi) {
  xent_job *j = (xent_job *)ctx;
  const long c = j->c;
  for (long i = lo; i < hi; i++) {
    const float *zr = j->z + i * c;
    double m = -INFINITY;
    for (long k = 0; k < c; k++) m = js_max(m, (double)zr[k]);
    if (m == -INFINITY) m = 0;
    double s = 0, e[CHUNK];
    for (long k0 = 0; k0 < c; k0 += CHUNK) {
      long len = c - k0 < CHUNK ? c - k0 : CHUNK;
      exp_shift(zr + k0, m, e, len);
      for (long k = 0; k < len; k++) s += e[k]; /* in k order, as the reference */
    }
    j->lse[i] = m + log_pos(s);
  }
}

/* Rows per thread from which a pass is split (≈ 30 µs of exps). */
static long min_rows(long c) { return c >= 16384 ? 1 : 16384 / (c > 0 ? c : 1); }

void gs_xent_fwd_f32(const float *z, const int32_t *t, long n, long c, long ignoreIndex,
                     const float *w, double eps, double *lse, float *perRow, double *sums) {
  xent_job j = {z, w, NULL, t, n, c, ignoreIndex, eps, 0, 0, lse, NULL, NULL};
  gs_parallel_for(n, 1, min_rows(c), lse_rows, &j);
  double total = 0, totalWeight = 0;
  for (long i = 0; i < n; i++) {
    const float *zr = z + i * c;
    double l = lse[i];
    long y = t[i];
    if (y == ignoreIndex) {
      if (perRow != NULL) perRow[i] = 0;
      continue;
    }
    double wy = w != NULL ? (double)w[y] : 1;
    double li = (1 - eps) * wy * (l - (double)zr[y]);
    if (eps > 0) {
      double smooth = 0;
      for (long k = 0; k < c; k++) smooth += (w != NULL ? (double)w[k] : 1) * (l - (double)zr[k]);
      li += (eps / (double)c) * smooth;
    }
    totalWeight += wy;
    total += li;
    if (perRow != NULL) perRow[i] = (float)li;
  }
  sums[0] = total;
  sums[1] = totalWeight;
}

static void grad_rows(void *ctx, long lo, long hi) {
  xent_job *j = (xent_job *)ctx;
  const long c = j->c;
  const float *w = j->w;
  const double eps = j->eps;
  for (long i = lo; i < hi; i++) {
    const float *zr = j->z + i * c;
    float *d = j->dz + i * c;
    long y = j->t[i];
    if (y == j->ignoreIndex) {
      for (long k = 0; k < c; k++) d[k] = 0;
      continue;
    }
    double s = j->g != NULL ? (double)j->g[i] : j->scale;
    double l = j->lseIn[i];
    double wy = w != NULL ? (double)w[y] : 1;
    double smoothCoef = (s * eps) / (double)c;
    double mass = s * (1 - eps) * wy + smoothCoef * j->sumW;
    double e[CHUNK];
    for (long k0 = 0; k0 < c; k0 += CHUNK) {
      long len = c - k0 < CHUNK ? c - k0 : CHUNK;
      exp_shift(zr + k0, l, e, len);
      if (w != NULL)
        for (long k = 0; k < len; k++) d[k0 + k] = (float)(e[k] * mass - smoothCoef * (double)w[k0 + k]);
      else
        for (long k = 0; k < len; k++) d[k0 + k] = (float)(e[k] * mass - smoothCoef * 1.0);
    }
    d[y] = (float)((double)d[y] - s * (1 - eps) * wy);
  }
}

void gs_xent_bwd_f32(const float *z, const int32_t *t, long n, long c, long ignoreIndex,
                     const float *w, double eps, const double *lse, double scale, const float *g,
                     float *dz) {
  double sumW = (double)c;
  if (w != NULL) {
    sumW = 0;
    for (long k = 0; k < c; k++) sumW += (double)w[k];
  }
  xent_job j = {z, w, g, t, n, c, ignoreIndex, eps, scale, sumW, NULL, lse, dz};
  gs_parallel_for(n, 1, min_rows(c), grad_rows, &j);
}
