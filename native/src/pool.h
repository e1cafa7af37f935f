/* 2-D max pooling (pool.c): the contracts of Kernels.maxPool2dForward/Backward
 * (src/kernels/types.ts, src/kernels/args.ts), both dtypes, split over planes on the pool. */
#ifndef GS_POOL_H
#define GS_POOL_H
#include <stdint.h>

/* A max pooling window over `planes` H×W planes (floor mode). */
typedef struct {
  long planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
} gs_pool;

/* y = max of each window, arg = its index into x (first maximum in row-major window order on
 * ties, the first NaN wins): the JS reference's rule (src/kernels/js/pool.ts). */
void gs_maxpool_fwd_f32(const float *x, const gs_pool *g, float *y, int32_t *arg);
void gs_maxpool_fwd_f64(const double *x, const gs_pool *g, double *y, int32_t *arg);
/* dx ← 0, then dx[arg[i]] += gy[i] in output order. An index outside its own plane is skipped
 * and counted: the return value (0 for the arrays the forward made). */
long gs_maxpool_bwd_f32(const float *gy, const int32_t *arg, const gs_pool *g, float *dx);
long gs_maxpool_bwd_f64(const double *gy, const int32_t *arg, const gs_pool *g, double *dx);
#endif
