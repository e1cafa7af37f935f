// The machine's 128-bit SIMD float32 peak on one core, measured natively: 12 independent
// mul+add chains (and 8 FMA chains) on registers only, so neither memory nor latency limits them.
// WebAssembly SIMD is 128-bit, so this is the ceiling any wasm GEMM can approach here; bench
// reports GEMM GFLOP/s as a fraction of it. Prints JSON: {"mulAdd": GFLOP/s, "fma": GFLOP/s}.
// Built by bench/peak/native-peak.ts with `gcc -O2 -mavx2 -mfma` (x86-64 only).
#include <stdio.h>
#include <time.h>
#include <immintrin.h>
int main(){
  __m128 b=_mm_set1_ps(1.0000001f);
  __m128 a0=_mm_set1_ps(1),a1=_mm_set1_ps(2),a2=_mm_set1_ps(3),a3=_mm_set1_ps(4);
  __m128 m0=_mm_setzero_ps(),m1=m0,m2=m0,m3=m0,m4=m0,m5=m0,m6=m0,m7=m0,m8=m0,m9=m0,m10=m0,m11=m0;
  struct timespec t0,t1; clock_gettime(CLOCK_MONOTONIC,&t0);
  long N=100000000;
  for(long n=0;n<N;n++){
    m0=_mm_add_ps(m0,_mm_mul_ps(a0,b)); m1=_mm_add_ps(m1,_mm_mul_ps(a1,b));
    m2=_mm_add_ps(m2,_mm_mul_ps(a2,b)); m3=_mm_add_ps(m3,_mm_mul_ps(a3,b));
    m4=_mm_add_ps(m4,_mm_mul_ps(a0,b)); m5=_mm_add_ps(m5,_mm_mul_ps(a1,b));
    m6=_mm_add_ps(m6,_mm_mul_ps(a2,b)); m7=_mm_add_ps(m7,_mm_mul_ps(a3,b));
    m8=_mm_add_ps(m8,_mm_mul_ps(a0,b)); m9=_mm_add_ps(m9,_mm_mul_ps(a1,b));
    m10=_mm_add_ps(m10,_mm_mul_ps(a2,b)); m11=_mm_add_ps(m11,_mm_mul_ps(a3,b));
    __asm__ volatile("" : "+x"(m0),"+x"(m1),"+x"(m2),"+x"(m3),"+x"(m4),"+x"(m5),"+x"(m6),"+x"(m7),"+x"(m8),"+x"(m9),"+x"(m10),"+x"(m11));
  }
  clock_gettime(CLOCK_MONOTONIC,&t1);
  double s=(t1.tv_sec-t0.tv_sec)+1e-9*(t1.tv_nsec-t0.tv_nsec);
  __m128 r=_mm_add_ps(_mm_add_ps(_mm_add_ps(m0,m1),_mm_add_ps(m2,m3)),_mm_add_ps(_mm_add_ps(m4,m5),_mm_add_ps(m6,m7)));
  r=_mm_add_ps(r,_mm_add_ps(_mm_add_ps(m8,m9),_mm_add_ps(m10,m11)));
  float t[4]; _mm_storeu_ps(t,r);
  double mulAdd = N*12*8.0/s/1e9; volatile float sink = t[0]; (void)sink;
  __m128 f0=m0,f1=m0,f2=m0,f3=m0,f4=m0,f5=m0,f6=m0,f7=m0;
  clock_gettime(CLOCK_MONOTONIC,&t0);
  for(long n=0;n<N;n++){
    f0=_mm_fmadd_ps(a0,b,f0); f1=_mm_fmadd_ps(a1,b,f1); f2=_mm_fmadd_ps(a2,b,f2); f3=_mm_fmadd_ps(a3,b,f3);
    f4=_mm_fmadd_ps(a0,b,f4); f5=_mm_fmadd_ps(a1,b,f5); f6=_mm_fmadd_ps(a2,b,f6); f7=_mm_fmadd_ps(a3,b,f7);
    __asm__ volatile("" : "+x"(f0),"+x"(f1),"+x"(f2),"+x"(f3),"+x"(f4),"+x"(f5),"+x"(f6),"+x"(f7));
  }
  clock_gettime(CLOCK_MONOTONIC,&t1);
  s=(t1.tv_sec-t0.tv_sec)+1e-9*(t1.tv_nsec-t0.tv_nsec);
  r=_mm_add_ps(_mm_add_ps(_mm_add_ps(f0,f1),_mm_add_ps(f2,f3)),_mm_add_ps(_mm_add_ps(f4,f5),_mm_add_ps(f6,f7)));
  _mm_storeu_ps(t,r);
  double fma = N*8*8.0/s/1e9; sink = t[0];
  printf("{\"mulAdd\": %.3f, \"fma\": %.3f}\n", mulAdd, fma);
}
