/* gradscope native kernels (issue 22): shared declarations.
 * Every kernel exists in float32 (suffix f32) and float64 (f64). The arithmetic of the
 * element-wise loops follows the JS reference (src/kernels/js/) operation for operation, in
 * double precision rounded once to the array's dtype at each store, so that a fused entry gives
 * the bits of the JS composition over this library's GEMM. Built with -ffp-contract=off. */
#ifndef GS_H
#define GS_H
#include <stddef.h>
#include <stdint.h>

/* Element-wise loops compiled twice, for AVX2 and for any x86-64, the CPU's chosen at load
 * time (an ifunc; Linux x86-64 with GCC or Clang), else once. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define GS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GS_CLONES
#endif

/* The CPU path chosen at load time. */
enum gs_isa { GS_ISA_SCALAR = 0, GS_ISA_AVX2_FMA = 1 };
int gs_isa(void);
const char *gs_isa_name(void);

/* The thread pool: gs_run calls fn(ctx, t, nth) for t in [0, nth) (t = 0 on the caller). */
typedef void (*gs_task)(void *ctx, int t, int nth);
void gs_set_threads(int n);
int gs_threads(void);
void gs_run(gs_task fn, void *ctx, int nth);
/* fn(ctx, p, parts) for p in [0, parts), parts ≤ 255, on up to min(threads, parts) threads that
 * claim the parts one at a time: more parts than threads balance cores that run at different
 * speeds (another process or VM on one of them). For parts whose results do not depend on which
 * thread runs them or on how many there are. */
void gs_run_parts(gs_task fn, void *ctx, int parts);
/* fn(ctx, lo, hi) over contiguous chunks of [0, n) (multiples of `align`), one per thread, on
 * at most n / minPerThread threads: for loops whose elements are independent. */
typedef void (*gs_range_task)(void *ctx, long lo, long hi);
void gs_parallel_for(long n, long align, long minPerThread, gs_range_task fn, void *ctx);
/* The pool's counters (GRADSCOPE_NATIVE_POOL_STATS=1), ns: jobs, caller parts, caller waiting,
 * imbalance, workers' parts, wake-ups of sleeping workers (a count), the caller's time in them. */
void gs_pool_stats(double out[7]);

/* C[m×n] = alpha·op(A)·op(B) + beta·C, row-major, BLAS semantics for beta = 0 and alpha = 0. */
void gs_gemm_f32(int transA, int transB, long m, long n, long k, double alpha, const float *a,
                 const float *b, double beta, float *c);
void gs_gemm_f64(int transA, int transB, long m, long n, long k, double alpha, const double *a,
                 const double *b, double beta, double *c);

/* An epilogue applied to each element of C after its last update, in this order: C = C + bias
 * (bias[row] when biasPerRow, else bias[column]; the addition of the JS reference's separate
 * pass, rounded to the dtype), then C = C < 0 ? 0 : C when relu. Same bits as the passes. */
typedef struct {
  const void *bias;
  int biasPerRow;
  int relu;
} gs_epi;
/* gs_gemm with an epilogue (NULL: none), split over the pool as gs_gemm. */
void gs_gemm_epi_f32(int transA, int transB, long m, long n, long k, double alpha,
                     const float *a, const float *b, double beta, float *c, const gs_epi *epi);
void gs_gemm_epi_f64(int transA, int transB, long m, long n, long k, double alpha,
                     const double *a, const double *b, double beta, double *c, const gs_epi *epi);
/* The GEMM on the calling thread with explicit strides: op(A)[i,p] = a[i·sai + p·sap],
 * op(B)[p,j] = b[p·sbp + j·sbj], C[i,j] = c[i·ldc + j]; -1 when out of memory. */
int gs_gemm_serial_f32(long m, long n, long k, float alpha, const float *a, long sai, long sap,
                       const float *b, long sbp, long sbj, float beta, float *c, long ldc,
                       const gs_epi *epi);
int gs_gemm_serial_f64(long m, long n, long k, double alpha, const double *a, long sai, long sap,
                       const double *b, long sbp, long sbj, double beta, double *c, long ldc,
                       const gs_epi *epi);

/* The convolution geometry (kernels/conv-geometry.ts), in this order. */
typedef struct {
  long channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW;
} gs_geom;

#define GS_DECL(T, S)                                                                        \
  void gs_im2col_##S(const T *x, const gs_geom *g, T *col, long batch);                     \
  void gs_col2im_##S(const T *col, const gs_geom *g, T *x, long batch);                     \
  void gs_linear_fwd_##S(const T *x, const T *w, const T *bias, int act, long rows, long inF, \
                         long outF, T *y);                                                  \
  void gs_linear_bwd_##S(const T *g, const T *y, const T *x, const T *w, int act, long rows, \
                         long inF, long outF, T *dx, T *dW, int dWAcc, T *db, int dbAcc);   \
  void gs_conv_fwd_##S(const T *x, const T *w, const T *bias, int relu, const gs_geom *g,    \
                       long n, long o, T *y);                                               \
  void gs_conv_bwd_##S(const T *gy, const T *y, const T *x, const T *w, const gs_geom *g,    \
                       long n, long o, T *dx, T *dW, int dWAcc, T *db, int dbAcc);          \
  void gs_rnn_fwd_##S(const T *x, const T *wIh, const T *bIh, const T *bHh, const T *whh,    \
                      const T *h0, long T_, long B, long I, long H, T *hs);                 \
  void gs_rnn_bwd_##S(const T *g, const T *hs, const T *whh, long T_, long B, long H, T *dPre, \
                      T *dh0, int extras, const T *h0, T *dWhh, int acc, double *biasSums);
GS_DECL(float, f32)
GS_DECL(double, f64)

void gs_adam_f32(float *p, float *g, float *m, float *v, const float *coef, long n);

/* A growable per-thread scratch buffer (slot 0..GS_SCRATCH_SLOTS-1), 64-byte aligned; NULL when
 * out of memory. Slots 0 and 1: the GEMM's packed panels; 2 and 3: the layer kernels'. */
#define GS_SCRATCH_SLOTS 6
void *gs_scratch(int slot, size_t bytes);
#endif
