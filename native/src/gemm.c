/* Float32 and float64 GEMM: packing, an AVX2+FMA register-blocked micro-kernel (6×16 float32,
 * 6×8 float64: 12 accumulators of 8 / 4 lanes, two panel loads and six broadcasts per step) that
 * updates C in place for whole tiles, vector packing routines (8×8 register transposes for the
 * transposed operands), and a scalar path for other CPUs, chosen at run time (gs_isa).
 * AVX-512 is not used for the tiles: on the AMD Zen 4 parts this was measured on
 * (bench/peak/native-peak.ts), a 512-bit FMA issues as two 256-bit halves and both widths reach
 * the same FLOP/s, so the AVX2 tile already reaches the FMA peak; the cost is in packing and in
 * the element-wise passes. Per element of C the operations do not depend on the tile shape or
 * the path's vector width: a sum from zero over each KC-deep slice of p, one FMA per p, then
 * one update of C (update_ in gemm_tmpl.h). float32 on AVX2 (the workloads' case, issue 22,
 * measured shape by shape with bench/gemm-shapes.ts) also has: edge tiles of 1–6 rows and 1–16
 * columns computed in place with masked loads and stores (tile_f32), the epilogue (bias, ReLU)
 * fused into the tiles' last update, op(A) read in place when row-major (A_DIRECT), and packing
 * that reads the source row by row; none of these changes an element's operations, so the bits
 * are those of the plain path (only KC, unchanged, decides the rounding). */
#include <immintrin.h>
#include "gs.h"
#include "transpose8.h"

/* m·n·k from which a GEMM is split over the pool's threads (one thread below: ~30 µs of work). */
#define GS_PARALLEL_MIN_WORK (1 << 20)

#define AVX2 __attribute__((target("avx2,fma")))

/* ---- AVX2 micro-kernels: acc = Σ_p pa[p]·pb[p] (one FMA per p and element), then C per mode:
 * 0 C = acc, 1 C = alpha·acc, 2 C = C + acc, 3 C = C + alpha·acc, 4 C = beta·C + alpha·acc. */
AVX2 static inline void upd_f32(float *c, __m256 acc, __m256 va, __m256 vb, int mode) {
  switch (mode) {
    case 0: _mm256_storeu_ps(c, acc); break;
    case 1: _mm256_storeu_ps(c, _mm256_mul_ps(va, acc)); break;
    case 2: _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc)); break;
    case 3: _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), _mm256_mul_ps(va, acc))); break;
    default:
      _mm256_storeu_ps(c, _mm256_add_ps(_mm256_mul_ps(vb, _mm256_loadu_ps(c)), _mm256_mul_ps(va, acc)));
  }
}

AVX2 static void ukr_avx2_f32(long kc, const float *pa, const float *pb, float *c, long ldc,
                              float alpha, float beta, int mode) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (long p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(pb), b1 = _mm256_load_ps(pb + 8), a;
    a = _mm256_broadcast_ss(pa + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(pa + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(pa + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(pa + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(pa + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(pa + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    pa += 6;
    pb += 16;
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  upd_f32(c + 0 * ldc, c00, va, vb, mode); upd_f32(c + 0 * ldc + 8, c01, va, vb, mode);
  upd_f32(c + 1 * ldc, c10, va, vb, mode); upd_f32(c + 1 * ldc + 8, c11, va, vb, mode);
  upd_f32(c + 2 * ldc, c20, va, vb, mode); upd_f32(c + 2 * ldc + 8, c21, va, vb, mode);
  upd_f32(c + 3 * ldc, c30, va, vb, mode); upd_f32(c + 3 * ldc + 8, c31, va, vb, mode);
  upd_f32(c + 4 * ldc, c40, va, vb, mode); upd_f32(c + 4 * ldc + 8, c41, va, vb, mode);
  upd_f32(c + 5 * ldc, c50, va, vb, mode); upd_f32(c + 5 * ldc + 8, c51, va, vb, mode);
}

/* The epilogue of gs_epi on one vector of C's values x (row i of the tile, columns from col): x +
 * bias (bias[row] or bias[column]) then x < 0 ? 0 : x as a blend on an ordered less-than (NaN
 * and −0 stay): the operations of epi_ in gemm_tmpl.h, on the values it would reload from C. */
typedef struct {
  const float *col, *row; /* bias + col0 (per column) or bias + row0 (per row), or NULL */
  int relu, on;           /* on: this is C's last update (the epilogue runs) */
} epi_f32;

AVX2 static inline __m256 epi_vec_f32(__m256 x, const epi_f32 *e, int i, __m256 bc) {
  if (e->col != NULL) x = _mm256_add_ps(x, bc);
  if (e->row != NULL) x = _mm256_add_ps(x, _mm256_set1_ps(e->row[i]));
  if (e->relu) x = _mm256_blendv_ps(x, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  return x;
}

/* C's update (upd_f32's modes) then the epilogue, in registers, one store (masked or not). */
AVX2 static inline void upd_epi_f32(float *c, __m256 acc, __m256 va, __m256 vb, int mode,
                                    __m256i mask, int masked, const epi_f32 *e, int i,
                                    const float *bcol) {
  __m256 old = _mm256_setzero_ps(), x;
  if (mode >= 2) old = masked ? _mm256_maskload_ps(c, mask) : _mm256_loadu_ps(c);
  switch (mode) {
    case 0: x = acc; break;
    case 1: x = _mm256_mul_ps(va, acc); break;
    case 2: x = _mm256_add_ps(old, acc); break;
    case 3: x = _mm256_add_ps(old, _mm256_mul_ps(va, acc)); break;
    default: x = _mm256_add_ps(_mm256_mul_ps(vb, old), _mm256_mul_ps(va, acc));
  }
  if (e->on) {
    __m256 bc = _mm256_setzero_ps();
    if (e->col != NULL) bc = masked ? _mm256_maskload_ps(bcol, mask) : _mm256_loadu_ps(bcol);
    x = epi_vec_f32(x, e, i, bc);
  }
  if (masked) _mm256_maskstore_ps(c, mask, x);
  else _mm256_storeu_ps(c, x);
}

/* A tile of mr ≤ 6 rows and nv ≤ 2 vectors of 8 columns (the last one's lanes limited by mask
 * when masked), B from its packed panel (stride 16). A from its packed panel (lda = 0: stride 6
 * per p) or read in place from row-major rows (lda > 0: row i at pa + i·lda, stride 1 per p),
 * C updated directly, the epilogue (when e->on) applied before the one store. Per element the
 * same FMAs in the same order as ukr_avx2_f32 and the same update and epilogue operations as
 * update_/epi_ in gemm_tmpl.h, so an element's bits depend neither on its tile's size nor on A
 * being packed. The constant mr and nv of each instance unroll the loops over registers. */
AVX2 static inline __attribute__((always_inline)) void ukr_part_f32(
    long kc, const float *pa, long lda, const float *pb, float *c, long ldc, float alpha,
    float beta, int mode, const int mr, const int nv, __m256i mask, int masked,
    const epi_f32 *e) {
  __m256 acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    acc[i][0] = _mm256_setzero_ps();
    acc[i][1] = _mm256_setzero_ps();
  }
  const long rs = lda > 0 ? lda : 1, ps = lda > 0 ? 1 : 6;
  for (long p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(pb), b1 = nv > 1 ? _mm256_load_ps(pb + 8) : b0;
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      __m256 a = _mm256_broadcast_ss(pa + i * rs);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      if (nv > 1) acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
    pa += ps;
    pb += 16;
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    if (nv > 1) upd_epi_f32(ci, acc[i][0], va, vb, mode, mask, 0, e, i, e->col);
    upd_epi_f32(ci + 8 * (nv - 1), acc[i][nv - 1], va, vb, mode, mask, masked, e, i,
                e->col != NULL ? e->col + 8 * (nv - 1) : NULL);
  }
}

#define TILE_CASE(MR_, NV_)                                                                \
  case MR_ * 2 + NV_ - 1:                                                                  \
    if (lda > 0) ukr_part_f32(kc, pa, lda, pb, c, ldc, alpha, beta, mode, MR_, NV_, mask, masked, &ep); \
    else ukr_part_f32(kc, pa, 0, pb, c, ldc, alpha, beta, mode, MR_, NV_, mask, masked, &ep); \
    break;
/* The mr × nr tile (mr ≤ 6, nr ≤ 16) at c = C[row0, col0], A packed (lda = 0) or in place (row
 * stride lda), with the epilogue e when not NULL (C's last update). */
AVX2 static void tile_f32(long kc, const float *pa, long lda, const float *pb, float *c,
                          long ldc, float alpha, float beta, int mode, long mr, long nr,
                          const gs_epi *e, long row0, long col0) {
  const float *bias = e != NULL ? (const float *)e->bias : NULL;
  epi_f32 ep = {bias != NULL && !e->biasPerRow ? bias + col0 : NULL,
                bias != NULL && e->biasPerRow ? bias + row0 : NULL, e != NULL && e->relu,
                e != NULL};
  if (mr == 6 && nr == 16) { /* whole tiles first: the common case without masks */
    if (lda > 0) ukr_part_f32(kc, pa, lda, pb, c, ldc, alpha, beta, mode, 6, 2, _mm256_setzero_si256(), 0, &ep);
    else ukr_part_f32(kc, pa, 0, pb, c, ldc, alpha, beta, mode, 6, 2, _mm256_setzero_si256(), 0, &ep);
    return;
  }
  int nv = nr > 8 ? 2 : 1, last = (int)(nr - 8 * (nv - 1)), masked = last < 8;
  __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(last), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  switch (mr * 2 + nv - 1) {
    TILE_CASE(1, 1) TILE_CASE(1, 2) TILE_CASE(2, 1) TILE_CASE(2, 2) TILE_CASE(3, 1)
    TILE_CASE(3, 2) TILE_CASE(4, 1) TILE_CASE(4, 2) TILE_CASE(5, 1) TILE_CASE(5, 2)
    TILE_CASE(6, 1) TILE_CASE(6, 2)
  }
}
#undef TILE_CASE

AVX2 static inline void upd_f64(double *c, __m256d acc, __m256d va, __m256d vb, int mode) {
  switch (mode) {
    case 0: _mm256_storeu_pd(c, acc); break;
    case 1: _mm256_storeu_pd(c, _mm256_mul_pd(va, acc)); break;
    case 2: _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), acc)); break;
    case 3: _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), _mm256_mul_pd(va, acc))); break;
    default:
      _mm256_storeu_pd(c, _mm256_add_pd(_mm256_mul_pd(vb, _mm256_loadu_pd(c)), _mm256_mul_pd(va, acc)));
  }
}

AVX2 static void ukr_avx2_f64(long kc, const double *pa, const double *pb, double *c, long ldc,
                              double alpha, double beta, int mode) {
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256d c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (long p = 0; p < kc; p++) {
    __m256d b0 = _mm256_load_pd(pb), b1 = _mm256_load_pd(pb + 4), a;
    a = _mm256_broadcast_sd(pa + 0); c00 = _mm256_fmadd_pd(a, b0, c00); c01 = _mm256_fmadd_pd(a, b1, c01);
    a = _mm256_broadcast_sd(pa + 1); c10 = _mm256_fmadd_pd(a, b0, c10); c11 = _mm256_fmadd_pd(a, b1, c11);
    a = _mm256_broadcast_sd(pa + 2); c20 = _mm256_fmadd_pd(a, b0, c20); c21 = _mm256_fmadd_pd(a, b1, c21);
    a = _mm256_broadcast_sd(pa + 3); c30 = _mm256_fmadd_pd(a, b0, c30); c31 = _mm256_fmadd_pd(a, b1, c31);
    a = _mm256_broadcast_sd(pa + 4); c40 = _mm256_fmadd_pd(a, b0, c40); c41 = _mm256_fmadd_pd(a, b1, c41);
    a = _mm256_broadcast_sd(pa + 5); c50 = _mm256_fmadd_pd(a, b0, c50); c51 = _mm256_fmadd_pd(a, b1, c51);
    pa += 6;
    pb += 8;
  }
  __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
  upd_f64(c + 0 * ldc, c00, va, vb, mode); upd_f64(c + 0 * ldc + 4, c01, va, vb, mode);
  upd_f64(c + 1 * ldc, c10, va, vb, mode); upd_f64(c + 1 * ldc + 4, c11, va, vb, mode);
  upd_f64(c + 2 * ldc, c20, va, vb, mode); upd_f64(c + 2 * ldc + 4, c21, va, vb, mode);
  upd_f64(c + 3 * ldc, c30, va, vb, mode); upd_f64(c + 3 * ldc + 4, c31, va, vb, mode);
  upd_f64(c + 4 * ldc, c40, va, vb, mode); upd_f64(c + 4 * ldc + 4, c41, va, vb, mode);
  upd_f64(c + 5 * ldc, c50, va, vb, mode); upd_f64(c + 5 * ldc + 4, c51, va, vb, mode);
}

/* ---- AVX2 float32 packing (MR = 6, NR = 16): the layouts of pack_a_/pack_b_ in gemm_tmpl.h. */
/* op(A) row-major (sap = 1): 8×8 transposes, each column stored 8 wide at a stride of 6 (the
 * next store overwrites the two extra lanes; the scratch has room past the last panel). */
AVX2 static int pack_a_fast_f32(long mc, long kc, const float *a, long sai, long sap, float *pa) {
  if (sai == 1) {
    /* op(A) transposed: the 6 elements of a p are contiguous. Row p of the source is read in
     * order (p outer), its panels' 6 elements stored 8 wide (the next p overwrites the two
     * extra lanes; the last p stores 6); masked loads where 8 would pass the block's rows. */
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i six = _mm256_cmpgt_epi32(_mm256_set1_epi32(6), lanes);
    long panels = (mc + 5) / 6, wide = mc >= 8 ? (mc - 8) / 6 + 1 : 0; /* ir + 8 ≤ mc */
    __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(mc - (panels - 1) * 6)), lanes);
    for (long p = 0; p < kc; p++) {
      const float *src = a + p * sap;
      float *dst = pa + p * 6;
      for (long q = 0; q < panels; q++) {
        __m256 v = q < wide ? _mm256_loadu_ps(src + q * 6)
                 : _mm256_maskload_ps(src + q * 6, q + 1 < panels ? six : tail);
        if (p + 1 < kc) _mm256_storeu_ps(dst + q * 6 * kc, v);
        else _mm256_maskstore_ps(dst + q * 6 * kc, six, v);
      }
    }
    return 1;
  }
  if (sap != 1) return 0;
  for (long ir = 0; ir < mc; ir += 6) {
    long mr = mc - ir < 6 ? mc - ir : 6;
    const float *src = a + ir * sai;
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = i < mr ? _mm256_loadu_ps(src + i * sai + p) : _mm256_setzero_ps();
      tr8_f32(r);
      for (int q = 0; q < 8; q++) _mm256_storeu_ps(pa + (p + q) * 6, r[q]);
    }
    for (; p < kc; p++)
      for (long i = 0; i < 6; i++) pa[p * 6 + i] = i < mr ? src[i * sai + p] : 0;
    pa += 6 * kc;
  }
  return 1;
}

/* op(B) row-major (sbj = 1): two vector copies per p; transposed (sbp = 1): 8×8 transposes. */
AVX2 static int pack_b_fast_f32(long kc, long nc, const float *b, long sbp, long sbj, float *pb) {
  if (sbj != 1 && sbp != 1) return 0;
  if (sbj == 1) {
    /* op(B) row-major: 8 rows of the source at a time, read in order across the panels (each
     * panel gets 8 whole lines), 16 columns per panel; the last panel's columns past nc loaded
     * as zeros */
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    long full = nc / 16, rest = nc - full * 16;
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), lanes);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest - 8), lanes);
    for (long p0 = 0; p0 < kc; p0 += 8) {
      long p1 = kc - p0 < 8 ? kc : p0 + 8;
      for (long q = 0; q < full; q++)
        for (long p = p0; p < p1; p++) {
          _mm256_store_ps(pb + q * 16 * kc + p * 16, _mm256_loadu_ps(b + p * sbp + q * 16));
          _mm256_store_ps(pb + q * 16 * kc + p * 16 + 8, _mm256_loadu_ps(b + p * sbp + q * 16 + 8));
        }
      if (rest > 0)
        for (long p = p0; p < p1; p++) {
          const float *src = b + p * sbp + full * 16;
          _mm256_store_ps(pb + full * 16 * kc + p * 16, _mm256_maskload_ps(src, m0));
          _mm256_store_ps(pb + full * 16 * kc + p * 16 + 8, _mm256_maskload_ps(src + 8, m1));
        }
    }
    return 1;
  }
  for (long jr = 0; jr < nc; jr += 16) {
    long nr = nc - jr < 16 ? nc - jr : 16;
    const float *src = b + jr * sbj;
    if (sbj == 1 && nr == 16) {
      for (long p = 0; p < kc; p++) {
        _mm256_store_ps(pb + p * 16, _mm256_loadu_ps(src + p * sbp));
        _mm256_store_ps(pb + p * 16 + 8, _mm256_loadu_ps(src + p * sbp + 8));
      }
    } else if (sbj == 1) {
      for (long p = 0; p < kc; p++) {
        long j = 0;
        for (; j < nr; j++) pb[p * 16 + j] = src[p * sbp + j];
        for (; j < 16; j++) pb[p * 16 + j] = 0;
      }
    } else {
      for (long jh = 0; jh < 16; jh += 8) {
        long p = 0;
        for (; p + 8 <= kc; p += 8) {
          __m256 r[8];
          for (int q = 0; q < 8; q++)
            r[q] = jh + q < nr ? _mm256_loadu_ps(src + (jh + q) * sbj + p) : _mm256_setzero_ps();
          tr8_f32(r);
          for (int q = 0; q < 8; q++) _mm256_store_ps(pb + (p + q) * 16 + jh, r[q]);
        }
        for (; p < kc; p++)
          for (long j = jh; j < jh + 8; j++) pb[p * 16 + j] = j < nr ? src[j * sbj + p] : 0;
      }
    }
    pb += 16 * kc;
  }
  return 1;
}

/* ---- The scalar micro-kernel (CPUs without AVX2+FMA): the same tile, separate multiply and
 * add, then the update modes of the vector kernels. */
#define SCALAR_UKR(T, S, MR, NR)                                                              \
  static void ukr_scalar_##S(long kc, const T *pa, const T *pb, T *c, long ldc, T alpha,      \
                             T beta, int mode) {                                             \
    T acc[MR * NR];                                                                           \
    for (int e = 0; e < MR * NR; e++) acc[e] = 0;                                             \
    for (long p = 0; p < kc; p++) {                                                           \
      for (int i = 0; i < MR; i++) {                                                          \
        T av = pa[i];                                                                         \
        for (int j = 0; j < NR; j++) acc[i * NR + j] += av * pb[j];                           \
      }                                                                                       \
      pa += MR;                                                                               \
      pb += NR;                                                                               \
    }                                                                                         \
    for (int i = 0; i < MR; i++)                                                              \
      for (int j = 0; j < NR; j++) {                                                          \
        T t = acc[i * NR + j], *ci = c + i * ldc + j;                                         \
        *ci = mode == 0   ? t                                                                 \
              : mode == 1 ? alpha * t                                                         \
              : mode == 2 ? *ci + t                                                           \
              : mode == 3 ? *ci + alpha * t                                                   \
                          : beta * *ci + alpha * t;                                           \
      }                                                                                       \
  }
SCALAR_UKR(float, f32, 6, 16)
SCALAR_UKR(double, f64, 6, 8)

/* ---- Instantiations: float32 and float64, each an AVX2 path and a generic one. */
#define T float
#define S f32
#define MR 6
#define NR 16
#define MC 120
#define KC 320
#define NC 2048
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define V avx2
#define UKR ukr_avx2_f32
#define PACK_A_FAST pack_a_fast_f32
#define PACK_B_FAST pack_b_fast_f32
#define UKR_TILE tile_f32
/* op(A) row-major is read in place when few column panels re-read it and k is not tiny
 * (measured on the workload shapes, bench/gemm-shapes.ts: packing pays from n ≈ 384 on, where
 * each A panel is re-read from L2 by 24+ column panels and six strided streams cost more than
 * one packed one; for k < 16 a tile is so short that the plain packed kernel's lower call
 * overhead wins over the packing it saves) */
#define A_DIRECT(m, n, k) ((n) <= 256 && (k) >= 16)
#include "gemm_tmpl.h"
#undef V
#undef UKR
#undef PACK_A_FAST
#undef PACK_B_FAST
#undef UKR_TILE
#undef A_DIRECT
#pragma GCC pop_options
#define V gen
#define UKR ukr_scalar_f32
#include "gemm_tmpl.h"
#undef V
#undef UKR
#include "gemm_drv.h"
#undef T
#undef S
#undef MR
#undef NR
#undef MC
#undef KC
#undef NC

#define T double
#define S f64
#define MR 6
#define NR 8
#define MC 120
#define KC 320
#define NC 1024
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define V avx2
#define UKR ukr_avx2_f64
#include "gemm_tmpl.h"
#undef V
#undef UKR
#pragma GCC pop_options
#define V gen
#define UKR ukr_scalar_f64
#include "gemm_tmpl.h"
#undef V
#undef UKR
#include "gemm_drv.h"
