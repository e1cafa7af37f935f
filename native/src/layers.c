/* The fused layer kernels (both dtypes, from layers_tmpl.h) and the float32 Adam step. */
#include <math.h>
#include "gs.h"

/* tanhF32 of src/kernels/js/tanh.ts, operation for operation in double precision (Eigen's
 * rational fit, Taylor below |x| < 1/8, the libm tanh past the fitted interval). */
static double tanh_f32(double x) {
  const double EDGE = 7.90531110763549805;
  if (x > EDGE || x < -EDGE) return tanh(x);
  double x2 = x * x;
  if (x2 < 1.0 / 64)
    return x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
  double p = x * (4.89352455891786e-3 +
                  x2 * (6.37261928875436e-4 +
                        x2 * (1.48572235717979e-5 +
                              x2 * (5.12229709037114e-8 +
                                    x2 * (-8.60467152213735e-11 +
                                          x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  double q = 4.89352518554385e-3 +
             x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
}

#define T float
#define S f32
#define TANH tanh_f32
#include "layers_tmpl.h"
#undef T
#undef S
#undef TANH
#define T double
#define S f64
#define TANH tanh
#include "layers_tmpl.h"

/* One Adam step in float32 arithmetic, each operation rounded as in src/kernels/js/adam.ts,
 * over ranges of the elements on the pool's threads (elements are independent). */
typedef struct {
  float *p, *g, *m, *v;
  const float *coef;
} adam_job;

GS_CLONES static void adam_range(void *ctx, long lo, long hi) {
  adam_job *a = (adam_job *)ctx;
  const float *coef = a->coef;
  const float b1 = coef[1], c1 = coef[2], b2 = coef[3], c2 = coef[4], step = coef[5],
              eps = coef[6];
  const float ss = coef[0] * coef[7];
  float *p = a->p, *g = a->g, *m = a->m, *v = a->v;
  if (p != NULL) {
    for (long i = lo; i < hi; i++) {
      float gi = ss * g[i];
      float mi = m[i] * b1 + c1 * gi;
      float vi = v[i] * b2 + (c2 * gi) * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] + (step * mi) / (sqrtf(vi) + eps);
    }
  } else {
    for (long i = lo; i < hi; i++) {
      float gi = ss * g[i];
      float mi = m[i] * b1 + c1 * gi;
      float vi = v[i] * b2 + (c2 * gi) * gi;
      m[i] = mi;
      v[i] = vi;
      g[i] = (step * mi) / (sqrtf(vi) + eps);
    }
  }
}

void gs_adam_f32(float *p, float *g, float *m, float *v, const float *coef, long n) {
  adam_job a = {p, g, m, v, coef};
  gs_parallel_for(n, 64, 16384, adam_range, &a);
}
