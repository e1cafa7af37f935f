/* Float32 and float64 GEMM: packing, an AVX2+FMA register-blocked micro-kernel (6×16 float32,
 * 6×8 float64: 12 accumulators of 8 / 4 lanes, two panel loads and six broadcasts per step),
 * a scalar one for other CPUs, chosen at run time (gs_isa). AVX-512 is not used: on the AMD
 * Zen 4 parts this was measured on, a 512-bit FMA issues as two 256-bit halves, so the AVX2
 * tile already reaches the FMA peak. */
#include <immintrin.h>
#include "gs.h"

/* m·n·k from which a GEMM is split over the pool's threads (one thread below: ~30 µs of work). */
#define GS_PARALLEL_MIN_WORK (1 << 20)

__attribute__((target("avx2,fma"))) static void ukr_avx2_f32(long kc, const float *pa,
                                                             const float *pb, float *tile) {
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
  _mm256_store_ps(tile + 0, c00); _mm256_store_ps(tile + 8, c01);
  _mm256_store_ps(tile + 16, c10); _mm256_store_ps(tile + 24, c11);
  _mm256_store_ps(tile + 32, c20); _mm256_store_ps(tile + 40, c21);
  _mm256_store_ps(tile + 48, c30); _mm256_store_ps(tile + 56, c31);
  _mm256_store_ps(tile + 64, c40); _mm256_store_ps(tile + 72, c41);
  _mm256_store_ps(tile + 80, c50); _mm256_store_ps(tile + 88, c51);
}

__attribute__((target("avx2,fma"))) static void ukr_avx2_f64(long kc, const double *pa,
                                                             const double *pb, double *tile) {
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
  _mm256_store_pd(tile + 0, c00); _mm256_store_pd(tile + 4, c01);
  _mm256_store_pd(tile + 8, c10); _mm256_store_pd(tile + 12, c11);
  _mm256_store_pd(tile + 16, c20); _mm256_store_pd(tile + 20, c21);
  _mm256_store_pd(tile + 24, c30); _mm256_store_pd(tile + 28, c31);
  _mm256_store_pd(tile + 32, c40); _mm256_store_pd(tile + 36, c41);
  _mm256_store_pd(tile + 40, c50); _mm256_store_pd(tile + 44, c51);
}

#define T float
#define S f32
#define MR 6
#define NR 16
#ifndef MC32
#define MC32 120
#define KC32 320
#define NC32 2048
#endif
#define MC MC32
#define KC KC32
#define NC NC32
#include "gemm_tmpl.h"
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
#include "gemm_tmpl.h"
