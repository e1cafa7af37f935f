// The machine's SIMD float32 peaks on one core, measured natively: independent accumulator
// chains on registers only, so neither memory nor latency limits them; timed in the thread's CPU
// time (a busy machine then does not lower the figures: only the cycles this thread ran count).
//  - mulAdd, fma: 128-bit (12 mul+add chains, 8 FMA chains). WebAssembly SIMD is 128-bit, so
//    this is the ceiling any wasm GEMM can approach here; bench reports GEMM GFLOP/s against it.
//  - fma256: 256-bit FMA (AVX2+FMA, 12 chains): the ceiling of the native backend's kernels.
//  - fma512: 512-bit FMA (AVX-512F, 12 chains), or null without AVX-512. On AMD Zen 4 a 512-bit
//    FMA issues as two 256-bit halves: fma512 ≈ fma256, hence no AVX-512 tiles in native/src.
// Prints JSON: {"mulAdd": GFLOP/s, "fma": …, "fma256": …, "fma512": … | null}.
// Built by bench/peak/native-peak.ts with `gcc -O2 -mavx2 -mfma` (x86-64 only; the AVX-512 loop
// is compiled for AVX-512 by a target attribute and run only when the CPU has it).
#include <stdio.h>
#include <time.h>
#include <immintrin.h>
#define N 100000000L
static double secs(struct timespec a, struct timespec b) {
  return (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
}
static volatile float sink;

static double fma256(void) {
  __m256 b = _mm256_set1_ps(1.0000001f), a = _mm256_set1_ps(0.5f);
  __m256 f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0,
         f8 = f0, f9 = f0, f10 = f0, f11 = f0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long n = 0; n < N; n++) {
    f0 = _mm256_fmadd_ps(a, b, f0); f1 = _mm256_fmadd_ps(a, b, f1); f2 = _mm256_fmadd_ps(a, b, f2);
    f3 = _mm256_fmadd_ps(a, b, f3); f4 = _mm256_fmadd_ps(a, b, f4); f5 = _mm256_fmadd_ps(a, b, f5);
    f6 = _mm256_fmadd_ps(a, b, f6); f7 = _mm256_fmadd_ps(a, b, f7); f8 = _mm256_fmadd_ps(a, b, f8);
    f9 = _mm256_fmadd_ps(a, b, f9); f10 = _mm256_fmadd_ps(a, b, f10); f11 = _mm256_fmadd_ps(a, b, f11);
    __asm__ volatile("" : "+x"(f0), "+x"(f1), "+x"(f2), "+x"(f3), "+x"(f4), "+x"(f5), "+x"(f6),
                     "+x"(f7), "+x"(f8), "+x"(f9), "+x"(f10), "+x"(f11));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  __m256 r = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(f0, f1), _mm256_add_ps(f2, f3)),
                           _mm256_add_ps(_mm256_add_ps(f4, f5), _mm256_add_ps(f6, f7)));
  r = _mm256_add_ps(r, _mm256_add_ps(_mm256_add_ps(f8, f9), _mm256_add_ps(f10, f11)));
  sink = _mm256_cvtss_f32(r);
  return N * 12 * 16.0 / secs(t0, t1) / 1e9;
}

__attribute__((target("avx512f"))) static double fma512(void) {
  __m512 b = _mm512_set1_ps(1.0000001f), a = _mm512_set1_ps(0.5f);
  __m512 f0 = _mm512_setzero_ps(), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0,
         f8 = f0, f9 = f0, f10 = f0, f11 = f0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long n = 0; n < N / 2; n++) {
    f0 = _mm512_fmadd_ps(a, b, f0); f1 = _mm512_fmadd_ps(a, b, f1); f2 = _mm512_fmadd_ps(a, b, f2);
    f3 = _mm512_fmadd_ps(a, b, f3); f4 = _mm512_fmadd_ps(a, b, f4); f5 = _mm512_fmadd_ps(a, b, f5);
    f6 = _mm512_fmadd_ps(a, b, f6); f7 = _mm512_fmadd_ps(a, b, f7); f8 = _mm512_fmadd_ps(a, b, f8);
    f9 = _mm512_fmadd_ps(a, b, f9); f10 = _mm512_fmadd_ps(a, b, f10); f11 = _mm512_fmadd_ps(a, b, f11);
    __asm__ volatile("" : "+v"(f0), "+v"(f1), "+v"(f2), "+v"(f3), "+v"(f4), "+v"(f5), "+v"(f6),
                     "+v"(f7), "+v"(f8), "+v"(f9), "+v"(f10), "+v"(f11));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  __m512 r = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(f0, f1), _mm512_add_ps(f2, f3)),
                           _mm512_add_ps(_mm512_add_ps(f4, f5), _mm512_add_ps(f6, f7)));
  r = _mm512_add_ps(r, _mm512_add_ps(_mm512_add_ps(f8, f9), _mm512_add_ps(f10, f11)));
  sink = _mm512_reduce_add_ps(r);
  return (N / 2) * 12 * 32.0 / secs(t0, t1) / 1e9;
}

int main(void) {
  __m128 b = _mm_set1_ps(1.0000001f);
  __m128 a0 = _mm_set1_ps(1), a1 = _mm_set1_ps(2), a2 = _mm_set1_ps(3), a3 = _mm_set1_ps(4);
  __m128 m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0,
         m8 = m0, m9 = m0, m10 = m0, m11 = m0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long n = 0; n < N; n++) {
    m0 = _mm_add_ps(m0, _mm_mul_ps(a0, b)); m1 = _mm_add_ps(m1, _mm_mul_ps(a1, b));
    m2 = _mm_add_ps(m2, _mm_mul_ps(a2, b)); m3 = _mm_add_ps(m3, _mm_mul_ps(a3, b));
    m4 = _mm_add_ps(m4, _mm_mul_ps(a0, b)); m5 = _mm_add_ps(m5, _mm_mul_ps(a1, b));
    m6 = _mm_add_ps(m6, _mm_mul_ps(a2, b)); m7 = _mm_add_ps(m7, _mm_mul_ps(a3, b));
    m8 = _mm_add_ps(m8, _mm_mul_ps(a0, b)); m9 = _mm_add_ps(m9, _mm_mul_ps(a1, b));
    m10 = _mm_add_ps(m10, _mm_mul_ps(a2, b)); m11 = _mm_add_ps(m11, _mm_mul_ps(a3, b));
    __asm__ volatile("" : "+x"(m0), "+x"(m1), "+x"(m2), "+x"(m3), "+x"(m4), "+x"(m5), "+x"(m6),
                     "+x"(m7), "+x"(m8), "+x"(m9), "+x"(m10), "+x"(m11));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  double s = secs(t0, t1);
  __m128 r = _mm_add_ps(_mm_add_ps(_mm_add_ps(m0, m1), _mm_add_ps(m2, m3)),
                        _mm_add_ps(_mm_add_ps(m4, m5), _mm_add_ps(m6, m7)));
  r = _mm_add_ps(r, _mm_add_ps(_mm_add_ps(m8, m9), _mm_add_ps(m10, m11)));
  float t[4];
  _mm_storeu_ps(t, r);
  double mulAdd = N * 12 * 8.0 / s / 1e9;
  sink = t[0];
  __m128 f0 = m0, f1 = m0, f2 = m0, f3 = m0, f4 = m0, f5 = m0, f6 = m0, f7 = m0;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long n = 0; n < N; n++) {
    f0 = _mm_fmadd_ps(a0, b, f0); f1 = _mm_fmadd_ps(a1, b, f1); f2 = _mm_fmadd_ps(a2, b, f2);
    f3 = _mm_fmadd_ps(a3, b, f3); f4 = _mm_fmadd_ps(a0, b, f4); f5 = _mm_fmadd_ps(a1, b, f5);
    f6 = _mm_fmadd_ps(a2, b, f6); f7 = _mm_fmadd_ps(a3, b, f7);
    __asm__ volatile("" : "+x"(f0), "+x"(f1), "+x"(f2), "+x"(f3), "+x"(f4), "+x"(f5), "+x"(f6),
                     "+x"(f7));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  s = secs(t0, t1);
  r = _mm_add_ps(_mm_add_ps(_mm_add_ps(f0, f1), _mm_add_ps(f2, f3)),
                 _mm_add_ps(_mm_add_ps(f4, f5), _mm_add_ps(f6, f7)));
  _mm_storeu_ps(t, r);
  double fma = N * 8 * 8.0 / s / 1e9;
  sink = t[0];
  double f256 = fma256();
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    printf("{\"mulAdd\": %.3f, \"fma\": %.3f, \"fma256\": %.3f, \"fma512\": %.3f}\n", mulAdd, fma,
           f256, fma512());
  else
    printf("{\"mulAdd\": %.3f, \"fma\": %.3f, \"fma256\": %.3f, \"fma512\": null}\n", mulAdd, fma,
           f256);
  return 0;
}
