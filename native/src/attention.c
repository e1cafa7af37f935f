/* Fused multi-head self-attention over a packed [B, T, 3E] projection (issue 22, the GPT
 * workload W5), float32: src/kernels/js/attention.ts (attentionForwardJs, attentionBackwardJs)
 * step for step. The (batch, head) pairs are split over the pool in contiguous ranges, each pair
 * computed whole on one thread; its GEMMs (mm: an unpacked FMA kernel with the bits of the serial
 * GEMM, or gs_gemm_serial_f32 itself) read Q, K, V, dO and write y and dQ, dK, dV in place through
 * strides: the same products as the reference's GEMM calls (same m, n, k, values and order; a
 * GEMM's element does not depend on where its operands lie), hence the reference's bits with
 * setKernels('native'), and the same bits for any thread count. The row
 * passes (softmax, dS) are the reference's double-precision operations: four doubles per AVX2
 * vector, the lane sums of the reference, exp of src/kernels/js/gate-math.ts (as rnn_gates.c);
 * a scalar loop without AVX2 and for the last live mod 4 columns. Built with -ffp-contract=off. */
#include <immintrin.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "attention.h"
#include "gs.h"
#include "transpose8.h"
#include "gate_math.h" /* exp_np, exp_np4: gate-math.ts's exp, shared with the gates */

/* ATTENTION_ROW_BLOCK of src/kernels/js/attention.ts: part of the composition. */
#define ROW_BLOCK 16

/* ---- The row passes, scalar (the reference's loops). */

/* softmaxRow of the reference on a float32 row: weights in s[0, live), zeros in s[live, n). */
static void softmax_row_scalar(float *s, long live, long n, double scale, double *e) {
  double max = -INFINITY, l[4] = {0, 0, 0, 0};
  for (long j = 0; j < live; j++) {
    double z = (double)s[j] * scale;
    if (z > max) max = z;
  }
  for (long j = 0; j < live; j++) {
    double v = exp_np((double)s[j] * scale - max);
    e[j] = v;
    l[j & 3] += v;
  }
  double inv = 1 / ((l[0] + l[1]) + (l[2] + l[3]));
  for (long j = 0; j < live; j++) s[j] = (float)(e[j] * inv);
  for (long j = live; j < n; j++) s[j] = 0;
}

/* dS of one row in place of dP: δ = Σ dP·P (four lanes), dS = P·(dP − δ)·scale; zeros past live. */
static void ds_row_scalar(float *t, const float *p, long live, long n, double scale) {
  double l[4] = {0, 0, 0, 0};
  for (long j = 0; j < live; j++) l[j & 3] += (double)t[j] * (double)p[j];
  double dot = (l[0] + l[1]) + (l[2] + l[3]);
  for (long j = 0; j < live; j++) t[j] = (float)((double)p[j] * ((double)t[j] - dot) * scale);
  for (long j = live; j < n; j++) t[j] = 0;
}

/* ---- AVX2: the same operations on four doubles (helpers and exp_np4 from gate_math.h). */

ATTR static void softmax_row_avx2(float *s, long live, long n, double scale, double *e) {
  __m256d vs = set1(scale), vmax = set1(-INFINITY);
  long j = 0;
  /* max(z, m) = z > m ? z : m lane by lane (a NaN z is skipped, as the reference's `if`) */
  for (; j + 4 <= live; j += 4) vmax = _mm256_max_pd(mul(ld4(s + j), vs), vmax);
  double m4[4], l[4];
  _mm256_storeu_pd(m4, vmax);
  double max = m4[0];
  for (int q = 1; q < 4; q++)
    if (m4[q] > max) max = m4[q];
  for (; j < live; j++) {
    double z = (double)s[j] * scale;
    if (z > max) max = z;
  }
  __m256d vm = set1(max), acc = _mm256_setzero_pd();
  for (j = 0; j + 4 <= live; j += 4) {
    __m256d v = exp_np4(sub(mul(ld4(s + j), vs), vm));
    _mm256_storeu_pd(e + j, v);
    acc = add(acc, v);
  }
  _mm256_storeu_pd(l, acc);
  for (; j < live; j++) {
    double v = exp_np((double)s[j] * scale - max);
    e[j] = v;
    l[j & 3] += v;
  }
  double inv = 1 / ((l[0] + l[1]) + (l[2] + l[3]));
  __m256d vi = set1(inv);
  for (j = 0; j + 4 <= live; j += 4) st4(s + j, mul(_mm256_loadu_pd(e + j), vi));
  for (; j < live; j++) s[j] = (float)(e[j] * inv);
  for (; j < n; j++) s[j] = 0;
}

ATTR static void ds_row_avx2(float *t, const float *p, long live, long n, double scale) {
  __m256d acc = _mm256_setzero_pd();
  long j = 0;
  for (; j + 4 <= live; j += 4) acc = add(acc, mul(ld4(t + j), ld4(p + j)));
  double l[4];
  _mm256_storeu_pd(l, acc);
  for (; j < live; j++) l[j & 3] += (double)t[j] * (double)p[j];
  double dot = (l[0] + l[1]) + (l[2] + l[3]);
  __m256d vd = set1(dot), vs = set1(scale);
  for (j = 0; j + 4 <= live; j += 4) st4(t + j, mul(mul(ld4(p + j), sub(ld4(t + j), vd)), vs));
  for (; j < live; j++) t[j] = (float)((double)p[j] * ((double)t[j] - dot) * scale);
  for (; j < n; j++) t[j] = 0;
}

static void softmax_row(float *s, long live, long n, double scale, double *e) {
  if (gs_isa() >= GS_ISA_AVX2_FMA) softmax_row_avx2(s, live, n, scale, e);
  else softmax_row_scalar(s, live, n, scale, e);
}

static void ds_row(float *t, const float *p, long live, long n, double scale) {
  if (gs_isa() >= GS_ISA_AVX2_FMA) ds_row_avx2(t, p, live, n, scale);
  else ds_row_scalar(t, p, live, n, scale);
}

/* ---- The attention's small GEMMs. gs_gemm_serial_f32 with alpha 1 and beta 0 computes every
 * element of C as one FMA per p, in p order, from zero, then stores it (gemm.c, for k up to its
 * KC = 320 deep slice; its scalar path multiplies and adds instead). direct_f32 computes exactly
 * that without packing: op(A) broadcast from its strides, op(B) read from rows with unit column
 * stride (op(B)[p, j] = b[p·sbp + j]), C tiles of up to 6 rows × 16 columns (masked at the right
 * edge); hence the same bits. Other cases (no AVX2+FMA, k > 320, a transposed op(B)) call the
 * library's GEMM. */
#define DIRECT_MAX_K 320
#define AVX2FMA __attribute__((target("avx2,fma")))

static inline __attribute__((always_inline)) AVX2FMA void direct_tile(
    int R, long k, const float *a, long sai, long sap, const float *b, long sbp, float *c,
    long ldc, int full, __m256i m0, __m256i m1) {
  __m256 acc[6][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (long p = 0; p < k; p++) {
    const float *bp = b + p * sbp;
    __m256 b0 = full ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, m0);
    __m256 b1 = full ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, m1);
    const float *ap = a + p * sap;
    for (int r = 0; r < R; r++) {
      __m256 av = _mm256_broadcast_ss(ap + r * sai);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < R; r++) {
    float *cr = c + r * ldc;
    if (full) {
      _mm256_storeu_ps(cr, acc[r][0]);
      _mm256_storeu_ps(cr + 8, acc[r][1]);
    } else {
      _mm256_maskstore_ps(cr, m0, acc[r][0]);
      _mm256_maskstore_ps(cr + 8, m1, acc[r][1]);
    }
  }
}

AVX2FMA static void direct_f32(long m, long n, long k, const float *a, long sai, long sap,
                               const float *b, long sbp, float *c, long ldc) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (long j = 0; j < n; j += 16) {
    long nr = n - j < 16 ? n - j : 16;
    int full = nr == 16;
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr), lane);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr - 8), lane);
    for (long i = 0; i < m; i += 6) {
      int R = m - i < 6 ? (int)(m - i) : 6;
      const float *ai = a + i * sai;
      const float *bj = b + j;
      float *cij = c + i * ldc + j;
      switch (R) {
        case 6: direct_tile(6, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1); break;
        case 5: direct_tile(5, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1); break;
        case 4: direct_tile(4, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1); break;
        case 3: direct_tile(3, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1); break;
        case 2: direct_tile(2, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1); break;
        default: direct_tile(1, k, ai, sai, sap, bj, sbp, cij, ldc, full, m0, m1);
      }
    }
  }
}

/* C = op(A)·op(B) (alpha 1, beta 0) with the bits of gs_gemm_serial_f32; op(B)[p, j] =
 * b[p·sbp + j·sbj]. */
static int mm(long m, long n, long k, const float *a, long sai, long sap, const float *b,
              long sbp, long sbj, float *c, long ldc) {
  if (sbj == 1 && k <= DIRECT_MAX_K && gs_isa() >= GS_ISA_AVX2_FMA) {
    direct_f32(m, n, k, a, sai, sap, b, sbp, c, ldc);
    return 0;
  }
  return gs_gemm_serial_f32(m, n, k, 1, a, sai, sap, b, sbp, sbj, 0, c, ldc, NULL);
}

/* dst[p·T + j] = src[j·W + p] for j < T, p < d: a head's K or V transposed (op(B) of Q·Kᵀ);
 * 8×8 register transposes where whole blocks fit, element copies for the rest. */
AVX2FMA static void transpose_head_avx2(const float *src, long W, long T, long d, float *dst) {
  long T8 = T & ~7L, d8 = d & ~7L;
  for (long j = 0; j < T8; j += 8)
    for (long p = 0; p < d8; p += 8) {
      __m256 r[8];
      for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + (j + q) * W + p);
      tr8_f32(r);
      for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (p + q) * T + j, r[q]);
    }
  for (long j = 0; j < T; j++)
    for (long p = j < T8 ? d8 : 0; p < d; p++) dst[p * T + j] = src[j * W + p];
}

static void transpose_head(const float *src, long W, long T, long d, float *dst) {
  if (gs_isa() >= GS_ISA_AVX2_FMA) {
    transpose_head_avx2(src, W, T, d, dst);
    return;
  }
  for (long j = 0; j < T; j++)
    for (long p = 0; p < d; p++) dst[p * T + j] = src[j * W + p];
}

/* ---- Per-thread scratch of this file (the GEMM's slots of gs_scratch are its own). */
static __thread double *t_e;
static __thread size_t t_e_n;
static __thread float *t_ds;
static __thread size_t t_ds_n;
static __thread float *t_tr;
static __thread size_t t_tr_n;

static void *grow(void **p, size_t *cap, size_t bytes) {
  if (bytes > *cap) {
    void *q = NULL;
    if (posix_memalign(&q, 64, bytes) != 0) return NULL;
    free(*p);
    *p = q;
    *cap = bytes;
  }
  return *p;
}

typedef struct {
  const float *qkv, *g, *p;
  float *pw, *y, *dqkv;
  long B, T, E, H;
  int causal;
  double scale;
  atomic_int failed;
} att_job;

static long blk(const att_job *J) { return J->causal && J->T > ROW_BLOCK ? ROW_BLOCK : J->T; }

/* attentionForwardJs for one (batch, head) pair. */
static int fwd_pair(att_job *J, long pair, double *e, float *kt) {
  long T = J->T, E = J->E, H = J->H, d = E / H, W = 3 * E, b = pair / H, h = pair % H;
  const float *base = J->qkv + b * T * W;
  const float *Q = base + h * d, *K = base + E + h * d, *V = base + 2 * E + h * d;
  float *P = J->pw + pair * T * T, *Y = J->y + b * T * E + h * d;
  long R = blk(J);
  transpose_head(K, W, T, d, kt); /* Kᵀ [d, T]: op(B) of S with unit column stride */
  for (long r0 = 0; r0 < T; r0 += R) {
    long r1 = r0 + R < T ? r0 + R : T, rows = r1 - r0, n = J->causal ? r1 : T;
    /* S = Q[r0:r1]·K[0:n]ᵀ into the weights' rows */
    if (mm(rows, n, d, Q + r0 * W, W, 1, kt, T, 1, P + r0 * T, T)) return -1;
    for (long i = r0; i < r1; i++) softmax_row(P + i * T, J->causal ? i + 1 : T, T, J->scale, e);
    /* y = P[r0:r1, 0:n]·V[0:n] */
    if (mm(rows, d, n, P + r0 * T, T, 1, V, W, 1, Y + r0 * E, E)) return -1;
  }
  return 0;
}

/* attentionBackwardJs for one (batch, head) pair; ds: T×T scratch. */
static int bwd_pair(att_job *J, long pair, float *ds, float *vt) {
  long T = J->T, E = J->E, H = J->H, d = E / H, W = 3 * E, b = pair / H, h = pair % H;
  const float *base = J->qkv + b * T * W;
  const float *Q = base + h * d, *K = base + E + h * d, *V = base + 2 * E + h * d;
  const float *P = J->p + pair * T * T, *G = J->g + b * T * E + h * d;
  float *DQ = J->dqkv + b * T * W + h * d, *DK = DQ + E, *DV = DQ + 2 * E;
  long R = blk(J);
  transpose_head(V, W, T, d, vt); /* Vᵀ [d, T]: op(B) of dP with unit column stride */
  for (long r0 = 0; r0 < T; r0 += R) {
    long r1 = r0 + R < T ? r0 + R : T, rows = r1 - r0, n = J->causal ? r1 : T;
    /* dP = dO[r0:r1]·V[0:n]ᵀ, then dS in place */
    if (mm(rows, n, d, G + r0 * E, E, 1, vt, T, 1, ds + r0 * T, T)) return -1;
    for (long i = r0; i < r1; i++)
      ds_row(ds + i * T, P + i * T, J->causal ? i + 1 : T, n, J->scale);
    /* dQ = dS[r0:r1, 0:n]·K[0:n] */
    if (mm(rows, d, n, ds + r0 * T, T, 1, K, W, 1, DQ + r0 * W, W)) return -1;
  }
  for (long c0 = 0; c0 < T; c0 += R) {
    long c1 = c0 + R < T ? c0 + R : T, cols = c1 - c0, rs = J->causal ? c0 : 0;
    /* dK = dS[rs:T, c0:c1]ᵀ·Q[rs:T], dV = P[rs:T, c0:c1]ᵀ·dO[rs:T] */
    if (mm(cols, d, T - rs, ds + rs * T + c0, 1, T, Q + rs * W, W, 1, DK + c0 * W, W)) return -1;
    if (mm(cols, d, T - rs, P + rs * T + c0, 1, T, G + rs * E, E, 1, DV + c0 * W, W)) return -1;
  }
  return 0;
}

static void fwd_range(void *ctx, long lo, long hi) {
  att_job *J = (att_job *)ctx;
  double *e = (double *)grow((void **)&t_e, &t_e_n, sizeof(double) * (size_t)J->T);
  float *kt = (float *)grow((void **)&t_tr, &t_tr_n, sizeof(float) * (size_t)(J->T * J->E / J->H));
  if (e == NULL || kt == NULL) {
    atomic_store(&J->failed, 1);
    return;
  }
  for (long pr = lo; pr < hi; pr++)
    if (fwd_pair(J, pr, e, kt)) atomic_store(&J->failed, 1);
}

static void bwd_range(void *ctx, long lo, long hi) {
  att_job *J = (att_job *)ctx;
  float *ds = (float *)grow((void **)&t_ds, &t_ds_n, sizeof(float) * (size_t)(J->T * J->T));
  float *vt = (float *)grow((void **)&t_tr, &t_tr_n, sizeof(float) * (size_t)(J->T * J->E / J->H));
  if (ds == NULL || vt == NULL) {
    atomic_store(&J->failed, 1);
    return;
  }
  for (long pr = lo; pr < hi; pr++)
    if (bwd_pair(J, pr, ds, vt)) atomic_store(&J->failed, 1);
}

int gs_attention_fwd_f32(const float *qkv, long B, long T, long E, long H, int causal,
                         double scale, float *p, float *y) {
  att_job J = {qkv, NULL, NULL, p, y, NULL, B, T, E, H, causal, scale, 0};
  if (B * H * T == 0 || E == 0) return 0;
  gs_parallel_for(B * H, 1, 1, fwd_range, &J);
  return atomic_load(&J.failed) ? -1 : 0;
}

int gs_attention_bwd_f32(const float *g, const float *qkv, const float *p, long B, long T, long E,
                         long H, int causal, double scale, float *dqkv) {
  att_job J = {qkv, g, p, NULL, NULL, dqkv, B, T, E, H, causal, scale, 0};
  if (B * H * T == 0 || E == 0) return 0;
  gs_parallel_for(B * H, 1, 1, bwd_range, &J);
  return atomic_load(&J.failed) ? -1 : 0;
}
