/* The float32 Adam step of one element, src/kernels/js/adam.ts's operations in its order (each
 * rounded to float32; built with -ffp-contract=off, so none is fused): shared by the plain step
 * (layers.c) and the measuring step of the monitor (monitor_stats.c). Static inline: each file
 * compiles its own copy, and the loops around it still vectorize. */
#ifndef GS_ADAM_STEP_H
#define GS_ADAM_STEP_H
#include <math.h>

/* The coefficients of a step, from AdamArgs.coef (src/kernels/types.ts): [sign ±1, β1, c1, β2,
 * c2, step, ε, gradient scale]; ss = sign·scale multiplies the gradient. */
typedef struct {
  float ss, b1, c1, b2, c2, step, eps;
} gs_adam_coef;

static inline gs_adam_coef gs_adam_coef_of(const float *coef) {
  gs_adam_coef k = {coef[0] * coef[7], coef[1], coef[2], coef[3], coef[4], coef[5], coef[6]};
  return k;
}

/* Updates *m and *v with the gradient g and returns the parameter's increment
 * (step·m)/(√v + ε). The coefficients come by value, so no store through m or v can alias them. */
static inline float gs_adam_elem(gs_adam_coef k, float g, float *m, float *v) {
  float gi = k.ss * g;
  float mi = *m * k.b1 + k.c1 * gi;
  float vi = *v * k.b2 + (k.c2 * gi) * gi;
  *m = mi;
  *v = vi;
  return (k.step * mi) / (sqrtf(vi) + k.eps);
}

#endif
