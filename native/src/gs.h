/* gradscope native kernels (issue 22): shared declarations.
 * Every kernel exists in float32 (suffix f32) and float64 (f64). The arithmetic of the
 * element-wise loops follows the JS reference (src/kernels/js/) operation for operation, in
 * double precision rounded once to the array's dtype at each store, so that a fused entry gives
 * the bits of the JS composition over this library's GEMM. Built with -ffp-contract=off. */
#ifndef GS_H
#define GS_H
#include <stddef.h>
#include <stdint.h>

/* The CPU path chosen at load time. */
enum gs_isa { GS_ISA_SCALAR = 0, GS_ISA_AVX2_FMA = 1 };
int gs_isa(void);
const char *gs_isa_name(void);

/* The thread pool: gs_run calls fn(ctx, t, nth) for t in [0, nth) (t = 0 on the caller). */
typedef void (*gs_task)(void *ctx, int t, int nth);
void gs_set_threads(int n);
int gs_threads(void);
void gs_run(gs_task fn, void *ctx, int nth);

/* C[m×n] = alpha·op(A)·op(B) + beta·C, row-major, BLAS semantics for beta = 0 and alpha = 0. */
void gs_gemm_f32(int transA, int transB, long m, long n, long k, double alpha, const float *a,
                 const float *b, double beta, float *c);
void gs_gemm_f64(int transA, int transB, long m, long n, long k, double alpha, const double *a,
                 const double *b, double beta, double *c);

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

/* A growable per-thread scratch buffer (slot 0..3), 64-byte aligned; NULL when out of memory. */
void *gs_scratch(int slot, size_t bytes);
#endif
