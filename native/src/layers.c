/* The fused layer kernels (both dtypes, from layers_tmpl.h) and the float32 Adam step. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "gs.h"
#include "adam_step.h"

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

/* ---- Float32 im2col / col2im for stride 1, dilation 1, outW ≥ 8 (AVX2): through a padded
 * copy of the image, (outH + kh − 1) × (outW + kw − 1) per channel with the padding zero, so
 * that every row of the column matrix is outW contiguous elements of it: vector copies (the
 * last one overlapping), no bounds. col2im adds into a zeroed padded plane in the reference's
 * order (channel, i, j, oy, ox), then copies the image out of it: the same sums, in the same
 * order, for every element of the image. */
static int fast_geom(const gs_geom *g) {
  return g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && g->outW >= 8 &&
         gs_isa() >= GS_ISA_AVX2_FMA;
}

/* The padded planes of channels [c0, c1) of one image into pad (channel c at (c − c0)·Hp·Wp):
 * per padded row, the zeros before the image, its row copied, the zeros after (rows above and
 * below the image all zeros). */
static void pad_image_f32(const float *xImg, const gs_geom *g, long c0, long c1, float *pad) {
  long Hp = g->outH + g->kh - 1, Wp = g->outW + g->kw - 1, W = g->width;
  /* the columns [x0, x1) of a padded row that hold pixels */
  long x0 = g->pw < Wp ? g->pw : Wp, x1 = g->pw + W < Wp ? g->pw + W : Wp;
  for (long ch = c0; ch < c1; ch++) {
    const float *xc = xImg + ch * g->height * W;
    float *pc = pad + (ch - c0) * Hp * Wp;
    for (long y = 0; y < Hp; y++) {
      long iy = y - g->ph;
      float *pr = pc + y * Wp;
      if (iy < 0 || iy >= g->height) {
        memset(pr, 0, sizeof(float) * Wp);
        continue;
      }
      memset(pr, 0, sizeof(float) * x0);
      if (x1 > x0) memcpy(pr + x0, xc + iy * W, sizeof(float) * (x1 - x0));
      memset(pr + (x1 > x0 ? x1 : x0), 0, sizeof(float) * (Wp - (x1 > x0 ? x1 : x0)));
    }
  }
}

/* Rows [lo, hi) of one image's column matrix (fast_geom), contiguous in col; pad: scratch. */
__attribute__((target("avx2"))) static int im2col_rows_fast_f32(const float *xImg,
                                                                const gs_geom *g, long lo,
                                                                long hi, float *col) {
  if (!fast_geom(g) || lo >= hi) return 0;
  long khw = g->kh * g->kw, c0 = lo / khw, c1 = (hi - 1) / khw + 1;
  long Hp = g->outH + g->kh - 1, Wp = g->outW + g->kw - 1, outW = g->outW;
  float *pad = (float *)gs_scratch(4, sizeof(float) * (c1 - c0) * Hp * Wp);
  if (pad == NULL) return 0;
  pad_image_f32(xImg, g, c0, c1, pad);
  long plane = g->outH * outW;
  for (long r = lo; r < hi; r++) {
    long j = r % g->kw, i = (r / g->kw) % g->kh, ch = r / khw;
    const float *src = pad + (ch - c0) * Hp * Wp + i * Wp + j;
    float *d = col + (r - lo) * plane;
    for (long oy = 0; oy < g->outH; oy++) {
      const float *sr = src + oy * Wp;
      float *dr = d + oy * outW;
      long ox = 0;
      for (; ox + 8 <= outW; ox += 8) _mm256_storeu_ps(dr + ox, _mm256_loadu_ps(sr + ox));
      if (ox < outW) _mm256_storeu_ps(dr + outW - 8, _mm256_loadu_ps(sr + outW - 8));
    }
  }
  return 1;
}

/* col2im of one image (fast_geom) into x (overwritten: the reference zeroes it first). */
__attribute__((target("avx2"))) static int col2im_fast_f32(const float *col, const gs_geom *g,
                                                           float *xImg) {
  if (!fast_geom(g)) return 0;
  long Hp = g->outH + g->kh - 1, Wp = g->outW + g->kw - 1, outW = g->outW;
  /* 8 elements of slack: the last row's tail vector may pass the last plane */
  float *pad = (float *)gs_scratch(5, sizeof(float) * (g->channels * Hp * Wp + 8));
  if (pad == NULL) return 0;
  for (long e = 0; e < g->channels * Hp * Wp + 8; e++) pad[e] = 0;
  long tail = outW % 8;
  /* The tail of a row is a whole vector whose lanes past outW add +0: an exact no-op on the
   * padded plane (its sums start from +0 and so are never −0; x + 0 = x, NaN kept), so the sums
   * stay the reference's while the loop needs no masked loads or stores (slow on AMD); col has
   * 8 elements of slack past its last row (the caller's scratch). */
  __m256 m = _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  const float *s = col;
  for (long ch = 0; ch < g->channels; ch++)
    for (long i = 0; i < g->kh; i++)
      for (long j = 0; j < g->kw; j++) {
        float *dst = pad + ch * Hp * Wp + i * Wp + j;
        for (long oy = 0; oy < g->outH; oy++) {
          float *dr = dst + oy * Wp;
          const float *sr = s + oy * outW;
          long ox = 0;
          for (; ox + 8 <= outW; ox += 8)
            _mm256_storeu_ps(dr + ox, _mm256_add_ps(_mm256_loadu_ps(dr + ox), _mm256_loadu_ps(sr + ox)));
          if (tail)
            _mm256_storeu_ps(dr + ox, _mm256_add_ps(_mm256_loadu_ps(dr + ox),
                                                    _mm256_and_ps(_mm256_loadu_ps(sr + ox), m)));
        }
        s += g->outH * outW;
      }
  /* the image: the padded plane's cells that are pixels (pixels past the padded plane, which
   * no window reaches, get 0) */
  long W = g->width, x1 = g->pw + W < Wp ? W : (Wp > g->pw ? Wp - g->pw : 0);
  for (long ch = 0; ch < g->channels; ch++)
    for (long iy = 0; iy < g->height; iy++) {
      long y = iy + g->ph;
      float *xr = xImg + (ch * g->height + iy) * W;
      if (y >= Hp) {
        memset(xr, 0, sizeof(float) * W);
        continue;
      }
      if (x1 > 0) memcpy(xr, pad + (ch * Hp + y) * Wp + g->pw, sizeof(float) * x1);
      memset(xr + x1, 0, sizeof(float) * (W - x1));
    }
  return 1;
}

/* dst[c·rows + r] = src[r·cols + c] (float32): 8×8 blocks through AVX2 registers (the usual
 * unpack / shuffle / 128-bit permute transpose), the edges element by element. Copies only. */
__attribute__((target("avx2"))) static void transpose_f32(const float *src, long rows, long cols,
                                                          float *dst) {
  long r8 = rows - rows % 8, c8 = cols - cols % 8;
  for (long r = 0; r < r8; r += 8)
    for (long c = 0; c < c8; c += 8) {
      __m256 a[8], t[8];
      for (int q = 0; q < 8; q++) a[q] = _mm256_loadu_ps(src + (r + q) * cols + c);
      for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(a[q], a[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(a[q], a[q + 1]);
      }
      __m256 u[8];
      for (int q = 0; q < 8; q += 4) {
        u[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
        u[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
        u[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
        u[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
      }
      for (int q = 0; q < 4; q++) {
        _mm256_storeu_ps(dst + (c + q) * rows + r, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
        _mm256_storeu_ps(dst + (c + q + 4) * rows + r, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
      }
    }
  for (long r = 0; r < rows; r++)
    for (long c = r < r8 ? c8 : 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

#define T float
#define S f32
#define TRANSPOSE_FAST transpose_f32
#define TANH tanh_f32
#define IM2COL_ROWS_FAST im2col_rows_fast_f32
#define COL2IM_FAST col2im_fast_f32
#include "layers_tmpl.h"
#undef T
#undef S
#undef TANH
#undef IM2COL_ROWS_FAST
#undef COL2IM_FAST
#undef TRANSPOSE_FAST
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
  const gs_adam_coef k = gs_adam_coef_of(a->coef);
  float *p = a->p, *g = a->g, *m = a->m, *v = a->v;
  if (p != NULL) {
    for (long i = lo; i < hi; i++) p[i] = p[i] + gs_adam_elem(k, g[i], m + i, v + i);
  } else {
    for (long i = lo; i < hi; i++) g[i] = gs_adam_elem(k, g[i], m + i, v + i);
  }
}

void gs_adam_f32(float *p, float *g, float *m, float *v, const float *coef, long n) {
  adam_job a = {p, g, m, v, coef};
  gs_parallel_for(n, 64, 16384, adam_range, &a);
}
