/* The float32 softmax cross-entropy kernels (losses.c): the contracts of
 * Kernels.crossEntropyForward/Backward (src/kernels/types.ts), NULL for an absent weight, perRow
 * or g. float64 stays on the JS reference (Math.exp, Math.log). */
#ifndef GS_LOSSES_H
#define GS_LOSSES_H
#include <stdint.h>
void gs_xent_fwd_f32(const float *z, const int32_t *t, long n, long c, long ignoreIndex,
                     const float *w, double eps, double *lse, float *perRow, double *sums);
void gs_xent_bwd_f32(const float *z, const int32_t *t, long n, long c, long ignoreIndex,
                     const float *w, double eps, const double *lse, double scale, const float *g,
                     float *dz);
#endif
