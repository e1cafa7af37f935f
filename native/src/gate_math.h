/* The float32 activations of src/kernels/js/gate-math.ts in C, shared by the LSTM/GRU gate
 * steps (rnn_gates.c), the GELU kernels (transformer_ops.c), attention (attention.c) and the
 * cross-entropy (losses.c): e^x for x ≤ 0 (NaN for x > 0, as the JS) and Eigen's
 * rational tanh, operation for operation, scalar and on four doubles per AVX2 vector (the same
 * bits). Static inline: each file that includes it compiles its own copy. Built with
 * -ffp-contract=off: no fused multiply-adds. */
#ifndef GS_GATE_MATH_H
#define GS_GATE_MATH_H
#include <immintrin.h>
#include <math.h>

#define LOG2E 1.4426950408889634
#define LN2_HI 0.6931471803691238
#define LN2_LO 1.9082149292705877e-10
#define EXP_FLOOR (-104.0)
#define C2 0.5
#define C3 0.16666666666666666
#define C4 0.041666666666666664
#define C5 0.008333333333333333
#define C6 0.001388888888888889
#define C7 0.0001984126984126984
#define C8 0.0000248015873015873
#define C9 0.0000027557319223985893
#define C10 2.755731922398589e-7
#define C11 2.505210838544172e-8
#define EDGE 7.90531110763549805
#define SMALL2 (1.0 / 64)
#define A1 4.89352455891786e-3
#define A3 6.37261928875436e-4
#define A5 1.48572235717979e-5
#define A7 5.12229709037114e-8
#define A9 (-8.60467152213735e-11)
#define A11 2.00018790482477e-13
#define A13 (-2.76076847742355e-16)
#define B0 4.89352518554385e-3
#define B2 2.268434632439e-3
#define B4 1.18534705686654e-4
#define B6 1.19825839466702e-6
#define T3 (-1.0 / 3)
#define T5 (2.0 / 15)
#define T7 (-17.0 / 315)
#define T9 (62.0 / 2835)

/* ---- scalar: gate-math.ts, line for line ---- */

static inline double exp_np(double x) {
  if (!(x >= EXP_FLOOR)) return x < EXP_FLOOR ? 0 : x;
  double k = floor(x * LOG2E + 0.5);
  if (k > 0) return NAN; /* x > 0 (callers never pass it): NaN, as the JS table lookup gives */
  double r = x - k * LN2_HI - k * LN2_LO;
  double r2 = r * r, r4 = r2 * r2;
  double p01 = 1 + r, p23 = C2 + C3 * r, p45 = C4 + C5 * r, p67 = C6 + C7 * r;
  double p89 = C8 + C9 * r, pab = C10 + C11 * r;
  double p03 = p01 + p23 * r2, p47 = p45 + p67 * r2, p8b = p89 + pab * r2;
  double p = p03 + (p47 + p8b * r4) * r4;
  return p * ldexp(1.0, (int)k); /* 2^k, k in [−150, 0]: exact */
}

static inline double tanh_s(double x) {
  if (x > EDGE || x < -EDGE) {
    double e = exp_np(-2 * fabs(x));
    double t = (1 - e) / (1 + e);
    return x > 0 ? t : -t;
  }
  double x2 = x * x;
  if (x2 < SMALL2) return x * (1 + x2 * (T3 + x2 * (T5 + x2 * (T7 + x2 * T9))));
  double p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
  double q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
  return p / q;
}

/* ---- AVX2: the same operations on four doubles ---- */

#define ATTR __attribute__((target("avx2")))

ATTR static inline __m256d ld4(const float *p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
ATTR static inline void st4(float *p, __m256d v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
ATTR static inline __m256d rnd4(__m256d v) { return _mm256_cvtps_pd(_mm256_cvtpd_ps(v)); }
ATTR static inline __m256d set1(double v) { return _mm256_set1_pd(v); }
ATTR static inline __m256d add(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
ATTR static inline __m256d sub(__m256d a, __m256d b) { return _mm256_sub_pd(a, b); }
ATTR static inline __m256d mul(__m256d a, __m256d b) { return _mm256_mul_pd(a, b); }
ATTR static inline __m256d vabs(__m256d a) { return _mm256_andnot_pd(set1(-0.0), a); }

ATTR static inline __m256d exp_np4(__m256d x) {
  __m256d low = _mm256_cmp_pd(x, set1(EXP_FLOOR), _CMP_LT_OQ); /* NaN: false, stays NaN */
  __m256d xc = _mm256_blendv_pd(x, set1(EXP_FLOOR), low);
  __m256d k = _mm256_floor_pd(add(mul(xc, set1(LOG2E)), set1(0.5)));
  __m256d pos = _mm256_cmp_pd(k, _mm256_setzero_pd(), _CMP_GT_OQ); /* x > 0: NaN, as the scalar */
  __m256d r = sub(sub(xc, mul(k, set1(LN2_HI))), mul(k, set1(LN2_LO)));
  __m256d r2 = mul(r, r), r4 = mul(r2, r2);
  __m256d p01 = add(set1(1), r), p23 = add(set1(C2), mul(set1(C3), r));
  __m256d p45 = add(set1(C4), mul(set1(C5), r)), p67 = add(set1(C6), mul(set1(C7), r));
  __m256d p89 = add(set1(C8), mul(set1(C9), r)), pab = add(set1(C10), mul(set1(C11), r));
  __m256d p03 = add(p01, mul(p23, r2)), p47 = add(p45, mul(p67, r2));
  __m256d p8b = add(p89, mul(pab, r2));
  __m256d p = add(p03, mul(add(p47, mul(p8b, r4)), r4));
  /* 2^k from the exponent field, for k in [−150, 0]: NaN and positive lanes take k = 0 (their
   * result is NaN either way), so the conversion never sees them */
  __m256d kc = _mm256_blendv_pd(k, _mm256_setzero_pd(), _mm256_or_pd(pos, _mm256_cmp_pd(k, k, _CMP_UNORD_Q)));
  __m256i ki = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(kc));
  __m256d two = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(ki, _mm256_set1_epi64x(1023)), 52));
  __m256d e = _mm256_blendv_pd(mul(p, two), _mm256_setzero_pd(), low);
  return _mm256_blendv_pd(e, set1(NAN), pos);
}

/* a + x·b, one multiply then one add (Horner's step, no FMA). */
ATTR static inline __m256d hs(__m256d a, __m256d x, __m256d b) { return add(a, mul(x, b)); }

ATTR static inline __m256d tanh4(__m256d x) {
  __m256d x2 = mul(x, x);
  __m256d pin = hs(set1(A11), x2, set1(A13));
  pin = hs(set1(A9), x2, pin);
  pin = hs(set1(A7), x2, pin);
  pin = hs(set1(A5), x2, pin);
  pin = hs(set1(A3), x2, pin);
  pin = hs(set1(A1), x2, pin);
  __m256d p = mul(x, pin);
  __m256d q = hs(set1(B0), x2, hs(set1(B2), x2, hs(set1(B4), x2, set1(B6))));
  __m256d t = _mm256_div_pd(p, q);
  __m256d small = _mm256_cmp_pd(x2, set1(SMALL2), _CMP_LT_OQ);
  if (_mm256_movemask_pd(small)) {
    __m256d ty = hs(set1(T5), x2, hs(set1(T7), x2, set1(T9)));
    ty = mul(x, hs(set1(1), x2, hs(set1(T3), x2, ty)));
    t = _mm256_blendv_pd(t, ty, small);
  }
  __m256d out = _mm256_cmp_pd(vabs(x), set1(EDGE), _CMP_GT_OQ);
  if (_mm256_movemask_pd(out)) {
    __m256d e = exp_np4(mul(set1(-2), vabs(x)));
    __m256d tail = _mm256_div_pd(sub(set1(1), e), add(set1(1), e));
    __m256d neg = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ);
    tail = _mm256_blendv_pd(_mm256_xor_pd(tail, set1(-0.0)), tail, neg);
    t = _mm256_blendv_pd(t, tail, out);
  }
  return t;
}

#endif
