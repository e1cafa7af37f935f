/* 2-D max pooling, both dtypes (issue 22): the JS reference (src/kernels/js/pool.ts) rule for
 * rule, split over whole planes on the pool's threads. A plane's outputs and its arg-max indices
 * depend on that plane only, and its backward adds only into its own plane in output order, so
 * the bits do not depend on the thread count. Max and the index choice are exact (no rounding);
 * the backward's sums are the reference's double sum rounded to the dtype, which for one float32
 * addition is the float32 sum (innocuous double rounding, see layers_tmpl.h). */
#include <immintrin.h>
#include <stdatomic.h>
#include "gs.h"
#include "pool.h"

/* Planes per thread: at least this many input elements, or the split is not worth a wake-up. */
#define GS_POOL_MIN_ELEMS 32768L

/* The float32 2×2 window with AVX2, eight outputs of a row at a time (masked loads and stores
 * for the last ≤ 8): the even and odd columns of the two input rows deinterleaved, then the
 * scalar loop's three steps lane by lane (t = best is not NaN and (v > best or v is NaN)). */
__attribute__((target("avx2"))) static inline __m256i lanes_below(long n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
__attribute__((target("avx2"))) static inline void step8(__m256 *best, __m256 *off, __m256 v,
                                                         __m256 code) {
  __m256 t = _mm256_and_ps(_mm256_cmp_ps(*best, *best, _CMP_ORD_Q),
                           _mm256_or_ps(_mm256_cmp_ps(v, *best, _CMP_GT_OQ),
                                        _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
  *best = _mm256_blendv_ps(*best, v, t);
  *off = _mm256_blendv_ps(*off, code, t);
}
__attribute__((target("avx2"))) static void fwd2x2_avx2_f32(const float *x, const gs_pool *g,
                                                            long lo, long hi, float *y,
                                                            int32_t *arg) {
  long w = g->w, plane = g->h * w, oh = g->oh, ow = g->ow;
  const __m256 c1 = _mm256_castsi256_ps(_mm256_set1_epi32(1));
  const __m256 cw = _mm256_castsi256_ps(_mm256_set1_epi32((int)w));
  const __m256 cw1 = _mm256_castsi256_ps(_mm256_set1_epi32((int)w + 1));
  const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  for (long pl = lo; pl < hi; pl++) {
    long base = pl * plane;
    for (long i = 0; i < oh; i++) {
      long row = base + 2 * i * w, o = (pl * oh + i) * ow;
      for (long j = 0; j < ow; j += 8) {
        long a = row + 2 * j, rem = ow - j < 8 ? ow - j : 8;
        __m256 r0l, r0h, r1l, r1h;
        __m256i mo = lanes_below(rem);
        if (rem == 8) {
          r0l = _mm256_loadu_ps(x + a);
          r0h = _mm256_loadu_ps(x + a + 8);
          r1l = _mm256_loadu_ps(x + a + w);
          r1h = _mm256_loadu_ps(x + a + w + 8);
        } else {
          __m256i ml = lanes_below(2 * rem), mh = lanes_below(2 * rem - 8);
          r0l = _mm256_maskload_ps(x + a, ml);
          r0h = _mm256_maskload_ps(x + a + 8, mh);
          r1l = _mm256_maskload_ps(x + a + w, ml);
          r1h = _mm256_maskload_ps(x + a + w + 8, mh);
        }
#define EVEN(l, h) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(l, h, 0x88)), 0xD8))
#define ODD(l, h) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(l, h, 0xDD)), 0xD8))
        __m256 best = EVEN(r0l, r0h), off = _mm256_setzero_ps();
        step8(&best, &off, ODD(r0l, r0h), c1);
        step8(&best, &off, EVEN(r1l, r1h), cw);
        step8(&best, &off, ODD(r1l, r1h), cw1);
#undef EVEN
#undef ODD
        __m256i idx = _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32((int)a), even),
                                       _mm256_castps_si256(off));
        if (rem == 8) {
          _mm256_storeu_ps(y + o + j, best);
          _mm256_storeu_si256((__m256i *)(arg + o + j), idx);
        } else {
          _mm256_maskstore_ps(y + o + j, mo, best);
          _mm256_maskstore_epi32((int *)(arg + o + j), mo, idx);
        }
      }
    }
  }
}

#define POOL_TMPL(T, S)                                                                          \
  typedef struct {                                                                               \
    const T *x, *gy;                                                                             \
    const gs_pool *g;                                                                            \
    T *y, *dx;                                                                                   \
    int32_t *arg;                                                                                \
    const int32_t *argIn;                                                                        \
    atomic_long bad;                                                                             \
  } pool_job_##S;                                                                                \
                                                                                                 \
  /* 2×2, stride 2, unpadded: four loads, the general loop's comparisons (a NaN best stops). */  \
  static void fwd2x2_##S(pool_job_##S *c, long lo, long hi) {                                    \
    const gs_pool *g = c->g;                                                                     \
    const T *x = c->x;                                                                           \
    long w = g->w, plane = g->h * w, oh = g->oh, ow = g->ow;                                     \
    for (long pl = lo; pl < hi; pl++) {                                                          \
      long base = pl * plane;                                                                    \
      for (long i = 0; i < oh; i++) {                                                            \
        long row = base + 2 * i * w, o = (pl * oh + i) * ow;                                     \
        T *yr = c->y + o;                                                                        \
        int32_t *ar = c->arg + o;                                                                \
        for (long j = 0; j < ow; j++) {                                                          \
          long a = row + 2 * j;                                                                  \
          T best = x[a], v1 = x[a + 1], v2 = x[a + w], v3 = x[a + w + 1];                        \
          long bi = a;                                                                           \
          int t = (best == best) & ((v1 > best) | (v1 != v1));                                   \
          best = t ? v1 : best;                                                                  \
          bi = t ? a + 1 : bi;                                                                   \
          t = (best == best) & ((v2 > best) | (v2 != v2));                                       \
          best = t ? v2 : best;                                                                  \
          bi = t ? a + w : bi;                                                                   \
          t = (best == best) & ((v3 > best) | (v3 != v3));                                       \
          best = t ? v3 : best;                                                                  \
          bi = t ? a + w + 1 : bi;                                                               \
          yr[j] = best;                                                                          \
          ar[j] = (int32_t)bi;                                                                   \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  /* Any window: the in-bounds pixels in row-major order from best = −∞ (padding never wins). */ \
  static void fwd_general_##S(pool_job_##S *c, long lo, long hi) {                               \
    const gs_pool *g = c->g;                                                                     \
    const T *x = c->x;                                                                           \
    long h = g->h, w = g->w, oh = g->oh, ow = g->ow;                                             \
    for (long pl = lo; pl < hi; pl++) {                                                          \
      long base = pl * h * w;                                                                    \
      for (long i = 0; i < oh; i++) {                                                            \
        long h0 = i * g->sh - g->ph, h1 = h0 + g->kh;                                            \
        if (h0 < 0) h0 = 0;                                                                      \
        if (h1 > h) h1 = h;                                                                      \
        for (long j = 0; j < ow; j++) {                                                          \
          long w0 = j * g->sw - g->pw, w1 = w0 + g->kw;                                          \
          if (w0 < 0) w0 = 0;                                                                    \
          if (w1 > w) w1 = w;                                                                    \
          T best = -(T)__builtin_inf();                                                          \
          long bi = base + h0 * w + w0;                                                          \
          for (long r = h0; r < h1 && best == best; r++)                                         \
            for (long s = w0; s < w1; s++) {                                                     \
              T v = x[base + r * w + s];                                                         \
              if (v > best || v != v) {                                                          \
                best = v;                                                                        \
                bi = base + r * w + s;                                                           \
                if (v != v) break;                                                               \
              }                                                                                  \
            }                                                                                    \
          long oi = (pl * oh + i) * ow + j;                                                      \
          c->y[oi] = best;                                                                       \
          c->arg[oi] = (int32_t)bi;                                                              \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  static void fwd_range_##S(void *ctx, long lo, long hi) {                                       \
    pool_job_##S *c = (pool_job_##S *)ctx;                                                       \
    const gs_pool *g = c->g;                                                                     \
    if (g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0) {     \
      if (sizeof(T) == 4 && gs_isa() >= GS_ISA_AVX2_FMA)                                         \
        fwd2x2_avx2_f32((const float *)c->x, g, lo, hi, (float *)c->y, c->arg);                  \
      else                                                                                       \
        fwd2x2_##S(c, lo, hi);                                                                   \
    } else                                                                                       \
      fwd_general_##S(c, lo, hi);                                                                \
  }                                                                                              \
                                                                                                 \
  static void bwd_range_##S(void *ctx, long lo, long hi) {                                       \
    pool_job_##S *c = (pool_job_##S *)ctx;                                                       \
    const gs_pool *g = c->g;                                                                     \
    long plane = g->h * g->w, out = g->oh * g->ow, bad = 0;                                      \
    T *dx = c->dx;                                                                               \
    for (long e = lo * plane; e < hi * plane; e++) dx[e] = 0;                                    \
    for (long pl = lo; pl < hi; pl++) {                                                          \
      unsigned long base = (unsigned long)(pl * plane);                                          \
      const int32_t *ar = c->argIn + pl * out;                                                   \
      const T *gr = c->gy + pl * out;                                                            \
      for (long i = 0; i < out; i++) {                                                           \
        unsigned long a = (unsigned long)(long)ar[i];                                            \
        if (a - base < (unsigned long)plane) dx[a] = dx[a] + gr[i];                              \
        else bad++;                                                                              \
      }                                                                                          \
    }                                                                                            \
    if (bad) atomic_fetch_add(&c->bad, bad);                                                     \
  }                                                                                              \
                                                                                                 \
  void gs_maxpool_fwd_##S(const T *x, const gs_pool *g, T *y, int32_t *arg) {                    \
    pool_job_##S c = {x, NULL, g, y, NULL, arg, NULL, 0};                                        \
    long plane = g->h * g->w, min = GS_POOL_MIN_ELEMS / (plane > 0 ? plane : 1);                 \
    gs_parallel_for(g->planes, 1, min > 0 ? min : 1, fwd_range_##S, &c);                         \
  }                                                                                              \
                                                                                                 \
  long gs_maxpool_bwd_##S(const T *gy, const int32_t *arg, const gs_pool *g, T *dx) {           \
    pool_job_##S c = {NULL, gy, g, NULL, dx, NULL, arg, 0};                                      \
    long plane = g->h * g->w, min = GS_POOL_MIN_ELEMS / (plane > 0 ? plane : 1);                 \
    gs_parallel_for(g->planes, 1, min > 0 ? min : 1, bwd_range_##S, &c);                         \
    return atomic_load(&c.bad);                                                                  \
  }

POOL_TMPL(float, f32)
POOL_TMPL(double, f64)
