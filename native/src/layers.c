/* The fused layer kernels (both dtypes, from layers_tmpl.h) and the float32 Adam step. */
#include <immintrin.h>
#include <math.h>
#include "gs.h"

/* tanhF32 of src/kernels/js/tanh.ts, operation for operation in double precision (Eigen's
 * rational fit, Taylor below |x| < 1/8, the libm tanh past the fitted interval). */
static double tanh_f32(double x) {
  const double EDGE = 7.90531110763549805;
  if (x > EDGE || x < -EDGE) return tanh(x);
  double x2 = x * x;
  if (x2 < 1.0 / 64)
    return x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
  double p = x * (4.89352455891786e-3 +
                  x2 * (6.37261928875436e-4 +
                        x2 * (1.48572235717979e-5 +
                              x2 * (5.12229709037114e-8 +
                                    x2 * (-8.60467152213735e-11 +
                                          x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  double q = 4.89352518554385e-3 +
             x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
}

/* One row of a float32 column matrix (stride 1): d[ox] = lo ≤ ox < hi ? xr[ox] : 0 for ox in
 * [0, outW), xr NULL for a row in the padding; masked loads never touch the masked lanes. */
__attribute__((target("avx2"))) static void row_copy_f32(float *d, const float *xr, long lo,
                                                         long hi, long outW) {
  __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (long ox = 0; ox < outW; ox += 8) {
    __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)ox), iota);
    __m256i inRow = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)outW), idx);
    __m256 v = _mm256_setzero_ps();
    if (xr != NULL) {
      __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32((int)lo - 1)),
                                   _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), idx));
      v = _mm256_maskload_ps(xr + ox, m);
    }
    if (ox + 8 <= outW) _mm256_storeu_ps(d + ox, v);
    else _mm256_maskstore_ps(d + ox, inRow, v);
  }
}

/* dst[ox] = dst[ox] + sr[ox] for ox in [lo, hi) (col2im, stride 1). */
__attribute__((target("avx2"))) static void row_add_f32(float *dst, const float *sr, long lo,
                                                        long hi) {
  __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  long ox = lo;
  for (; ox + 8 <= hi; ox += 8)
    _mm256_storeu_ps(dst + ox, _mm256_add_ps(_mm256_loadu_ps(dst + ox), _mm256_loadu_ps(sr + ox)));
  if (ox < hi) {
    __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(hi - ox)), iota);
    __m256 v = _mm256_add_ps(_mm256_maskload_ps(dst + ox, m), _mm256_maskload_ps(sr + ox, m));
    _mm256_maskstore_ps(dst + ox, m, v);
  }
}

#define T float
#define S f32
#define TANH tanh_f32
#define ROW_COPY_FAST row_copy_f32
#define ROW_ADD_FAST row_add_f32
#include "layers_tmpl.h"
#undef T
#undef S
#undef TANH
#undef ROW_COPY_FAST
#undef ROW_ADD_FAST
#define T double
#define S f64
#define TANH tanh
#include "layers_tmpl.h"

/* One Adam step in float32 arithmetic, each operation rounded as in src/kernels/js/adam.ts,
 * over ranges of the elements on the pool's threads (elements are independent). */
typedef struct {
  float *p, *g, *m, *v;
  const float *coef;
} adam_job;

GS_CLONES static void adam_range(void *ctx, long lo, long hi) {
  adam_job *a = (adam_job *)ctx;
  const float *coef = a->coef;
  const float b1 = coef[1], c1 = coef[2], b2 = coef[3], c2 = coef[4], step = coef[5],
              eps = coef[6];
  const float ss = coef[0] * coef[7];
  float *p = a->p, *g = a->g, *m = a->m, *v = a->v;
  if (p != NULL) {
    for (long i = lo; i < hi; i++) {
      float gi = ss * g[i];
      float mi = m[i] * b1 + c1 * gi;
      float vi = v[i] * b2 + (c2 * gi) * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] + (step * mi) / (sqrtf(vi) + eps);
    }
  } else {
    for (long i = lo; i < hi; i++) {
      float gi = ss * g[i];
      float mi = m[i] * b1 + c1 * gi;
      float vi = v[i] * b2 + (c2 * gi) * gi;
      m[i] = mi;
      v[i] = vi;
      g[i] = (step * mi) / (sqrtf(vi) + eps);
    }
  }
}

void gs_adam_f32(float *p, float *g, float *m, float *v, const float *coef, long n) {
  adam_job a = {p, g, m, v, coef};
  gs_parallel_for(n, 64, 16384, adam_range, &a);
}
