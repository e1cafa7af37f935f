/* The monitor's statistics passes over float32 data (issue 22 item 3: monitored training at the
 * bare optimizer's speed), with the bits of the wasm kernels and of the JS reference.
 *
 * The order of a float32 sum of squares (src/kernels/wasm/assembly/grad-stats.ts): the elements
 * are taken in blocks of 512; within a block, element i is squared and added in float32 to lane
 * i mod 8; at the end of the block s_j = lane_j + lane_{j+4} (float32, j < 4) and, in float64,
 * T0 += s0 + s2, T1 += s1 + s3. The n mod 8 elements after the last whole group of 8 are squared
 * and summed in float64 (t), and the sum is (T0 + T1) + t.
 *
 * Blocks are independent until their float64 pair is added to T, so here several blocks run at
 * once (four lane accumulators: the float32 add latency no longer bounds the pass) and on the
 * pool's threads (chunks of whole blocks); each block's pair is stored, and T is summed over the
 * blocks in order afterwards: the same bits for any thread count. The lane arithmetic uses GCC
 * vector extensions (8 float lanes: one AVX2 register, or two SSE ones in the default clone);
 * built with -ffp-contract=off, so a product and a sum are never fused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gs.h"
#include "adam_step.h"
#include "monitor_stats.h"

#define BLOCK 512
/* Blocks whose pairs fit on the caller's stack (larger arrays take a malloc'd buffer). */
#define STACK_BLOCKS 1024

/* The helpers below take and return 8-lane vectors; they are static and inlined, so the ABI
 * note GCC gives for the default (pre-AVX) clone does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v8f __attribute__((vector_size(32)));

static inline v8f ld8(const float *p) {
  v8f r;
  memcpy(&r, p, sizeof r);
  return r;
}

/* A block's lane sums as its float64 pair (s0 + s2, s1 + s3), s_j = a_j + a_{j+4} in float32. */
static inline void block_pair(v8f a, double *o) {
  float s0 = a[0] + a[4], s1 = a[1] + a[5], s2 = a[2] + a[6], s3 = a[3] + a[7];
  o[0] = (double)s0 + (double)s2;
  o[1] = (double)s1 + (double)s3;
}

typedef struct {
  const float *x;
  double *pairs;
} sumsq_job;

/* Blocks [lo, hi) of the whole groups of 8 (lo a multiple of BLOCK, hi too or the end). */
GS_CLONES static void sumsq_range(void *ctx, long lo, long hi) {
  const sumsq_job *j = (const sumsq_job *)ctx;
  const float *x = j->x;
  long i = lo;
  for (; i + 4 * BLOCK <= hi; i += 4 * BLOCK) {
    v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    const float *x0 = x + i, *x1 = x0 + BLOCK, *x2 = x1 + BLOCK, *x3 = x2 + BLOCK;
    for (long k = 0; k < BLOCK; k += 8) {
      v8f y0 = ld8(x0 + k), y1 = ld8(x1 + k), y2 = ld8(x2 + k), y3 = ld8(x3 + k);
      a0 += y0 * y0;
      a1 += y1 * y1;
      a2 += y2 * y2;
      a3 += y3 * y3;
    }
    double *o = j->pairs + 2 * (i / BLOCK);
    block_pair(a0, o);
    block_pair(a1, o + 2);
    block_pair(a2, o + 4);
    block_pair(a3, o + 6);
  }
  for (; i < hi; i += BLOCK) {
    long end = i + BLOCK < hi ? i + BLOCK : hi;
    v8f a = {0};
    for (long k = i; k < end; k += 8) {
      v8f y = ld8(x + k);
      a += y * y;
    }
    block_pair(a, j->pairs + 2 * (i / BLOCK));
  }
}

double gs_sum_squares_f32(const float *x, long n) {
  long n8 = n & ~7L, nb = (n8 + BLOCK - 1) / BLOCK;
  double stack[2 * STACK_BLOCKS];
  double *pairs = nb <= STACK_BLOCKS ? stack : malloc(sizeof(double) * 2 * (size_t)nb);
  if (pairs == NULL) abort();
  sumsq_job j = {x, pairs};
  gs_parallel_for(n8, BLOCK, 32768, sumsq_range, &j);
  double t0 = 0, t1 = 0, t = 0;
  for (long b = 0; b < nb; b++) {
    t0 += pairs[2 * b];
    t1 += pairs[2 * b + 1];
  }
  for (long i = n8; i < n; i++) {
    double d = (double)x[i];
    t += d * d;
  }
  if (pairs != stack) free(pairs);
  return t0 + t1 + t;
}

typedef struct {
  float *p, *g, *m, *v, *q;
  const float *coef;
  double *pairs;
} adam_stats_job;

/* Blocks [lo, hi) of the whole groups of 8: per block, gs_adam_f32's step over its elements
 * (q ← p first), then the block's three float32 lane sums from p and q (still in L1). */
GS_CLONES static void adam_stats_range(void *ctx, long lo, long hi) {
  const adam_stats_job *a = (const adam_stats_job *)ctx;
  const gs_adam_coef k = gs_adam_coef_of(a->coef);
  float *p = a->p, *g = a->g, *m = a->m, *v = a->v, *q = a->q;
  for (long i = lo; i < hi; i += BLOCK) {
    long end = i + BLOCK < hi ? i + BLOCK : hi;
    for (long e = i; e < end; e++) {
      float qe = p[e];
      q[e] = qe;
      p[e] = qe + gs_adam_elem(k, g[e], m + e, v + e);
    }
    v8f pa = {0}, da = {0}, qa = {0};
    for (long k = i; k < end; k += 8) {
      v8f p0 = ld8(p + k), q0 = ld8(q + k);
      v8f d0 = p0 - q0;
      pa += p0 * p0;
      da += d0 * d0;
      qa += q0 * q0;
    }
    double *o = a->pairs + 6 * (i / BLOCK);
    block_pair(pa, o);
    block_pair(da, o + 2);
    block_pair(qa, o + 4);
  }
}

/* The scalar tail of gs_adam_stats_f32: the same Adam arithmetic, the sums in float64. */
static void adam_stats_tail(const adam_stats_job *a, long lo, long n, double *t) {
  const gs_adam_coef k = gs_adam_coef_of(a->coef);
  for (long e = lo; e < n; e++) {
    float qe = a->p[e];
    a->q[e] = qe;
    float pe = qe + gs_adam_elem(k, a->g[e], a->m + e, a->v + e);
    a->p[e] = pe;
    double dv = (double)(pe - qe);
    t[0] += (double)pe * (double)pe;
    t[1] += dv * dv;
    t[2] += (double)qe * (double)qe;
  }
}

void gs_adam_stats_f32(float *p, float *g, float *m, float *v, const float *coef, long n,
                       float *q, double *out) {
  long n8 = n & ~7L, nb = (n8 + BLOCK - 1) / BLOCK;
  double stack[6 * STACK_BLOCKS];
  double *pairs = nb <= STACK_BLOCKS ? stack : malloc(sizeof(double) * 6 * (size_t)nb);
  if (pairs == NULL) abort();
  adam_stats_job a = {p, g, m, v, q, coef, pairs};
  gs_parallel_for(n8, BLOCK, 16384, adam_stats_range, &a);
  double T[6] = {0, 0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
  for (long b = 0; b < nb; b++)
    for (int s = 0; s < 6; s++) T[s] += pairs[6 * b + s];
  adam_stats_tail(&a, n8, n, t);
  for (int s = 0; s < 3; s++) out[s] = T[2 * s] + T[2 * s + 1] + t[s];
  if (pairs != stack) free(pairs);
}
