/* The monitor's statistics passes in C (monitor_stats.c, issue 22 item 3): the float32 Σx² of
 * Kernels.gradStats' sum-only pass and the Adam step that measures its own update
 * (Kernels.adam with AdamArgs.stats), with the bits of the wasm kernels
 * (src/kernels/wasm/assembly/grad-stats.ts, adam.ts) and of the JS reference. */
#ifndef GS_MONITOR_STATS_H
#define GS_MONITOR_STATS_H
/* Σx² of n float32 in gradStats' order (see monitor_stats.c). */
double gs_sum_squares_f32(const float *x, long n);
/* One float32 Adam step over n elements (gs_adam_f32's arithmetic, p given) that also writes
 * p before the step to q and the float32-order sums Σp², Σ(p − q)², Σq² to out[0..2]. */
void gs_adam_stats_f32(float *p, float *g, float *m, float *v, const float *coef, long n,
                       float *q, double *out);
#endif
