/* Layer normalisation for one dtype (included by transformer_ops.c with T, S, LD and ST
 * defined: the element type, the name suffix, and a load/store of four elements as doubles).
 * src/kernels/js/layer-norm.ts, operation for operation. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)

/* Σ x_j (dev = 0) or Σ (x_j − mean)² (dev = 1) of one row, eight accumulators. */
static double FN(ln_sum_s_)(const T *x, long d, int dev, double mean) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (long j = 0; j < d; j++) {
    double v = x[j];
    if (dev) {
      double c = v - mean;
      v = c * c;
    }
    s[j & 7] += v;
  }
  return combine8(s);
}

ATTR static double FN(ln_sum_v_)(const T *x, long d, int dev, double mean) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), m = set1(mean);
  long j = 0;
  if (dev) {
    for (; j + 8 <= d; j += 8) {
      __m256d c0 = sub(LD(x + j), m), c1 = sub(LD(x + j + 4), m);
      a0 = add(a0, mul(c0, c0));
      a1 = add(a1, mul(c1, c1));
    }
  } else {
    for (; j + 8 <= d; j += 8) {
      a0 = add(a0, LD(x + j));
      a1 = add(a1, LD(x + j + 4));
    }
  }
  double s[8];
  st4d(s, a0);
  st4d(s + 4, a1);
  for (long k = 0; j + k < d; k++) {
    double v = x[j + k];
    if (dev) {
      double c = v - mean;
      v = c * c;
    }
    s[k] += v;
  }
  return combine8(s);
}

/* y_j = (x_j − mean)·rstd (·γ_j) (+ β_j) for the whole vectors of a row; returns where it stopped. */
ATTR static long FN(ln_fwd_apply_v_)(const T *x, const T *gamma, const T *beta, T *y, long d,
                                     double mean, double rstd) {
  __m256d m = set1(mean), rs = set1(rstd);
  long j = 0;
  for (; j + 4 <= d; j += 4) {
    __m256d v = mul(sub(LD(x + j), m), rs);
    if (gamma != NULL) v = mul(v, LD(gamma + j));
    if (beta != NULL) v = add(v, LD(beta + j));
    ST(y + j, v);
  }
  return j;
}

/* sums[0] = Σ dx̂_j, sums[1] = Σ dx̂_j·x̂_j (dx̂ = g·γ, x̂ = (x − mean)·rstd), eight accumulators. */
static void FN(ln_bwd_sums_s_)(const T *g, const T *x, const T *gamma, long d, double mean,
                               double rstd, double *sums) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (long j = 0; j < d; j++) {
    double gv = g[j];
    double dv = gamma != NULL ? gv * (double)gamma[j] : gv;
    double xh = ((double)x[j] - mean) * rstd;
    a[j & 7] += dv;
    b[j & 7] += dv * xh;
  }
  sums[0] = combine8(a);
  sums[1] = combine8(b);
}

ATTR static void FN(ln_bwd_sums_v_)(const T *g, const T *x, const T *gamma, long d, double mean,
                                    double rstd, double *sums) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, b0 = a0, b1 = a0, m = set1(mean), rs = set1(rstd);
  long j = 0;
  for (; j + 8 <= d; j += 8) {
    __m256d d0 = LD(g + j), d1 = LD(g + j + 4);
    if (gamma != NULL) {
      d0 = mul(d0, LD(gamma + j));
      d1 = mul(d1, LD(gamma + j + 4));
    }
    __m256d x0 = mul(sub(LD(x + j), m), rs), x1 = mul(sub(LD(x + j + 4), m), rs);
    a0 = add(a0, d0);
    a1 = add(a1, d1);
    b0 = add(b0, mul(d0, x0));
    b1 = add(b1, mul(d1, x1));
  }
  double a[8], b[8];
  st4d(a, a0);
  st4d(a + 4, a1);
  st4d(b, b0);
  st4d(b + 4, b1);
  for (long k = 0; j + k < d; k++) {
    double gv = g[j + k];
    double dv = gamma != NULL ? gv * (double)gamma[j + k] : gv;
    double xh = ((double)x[j + k] - mean) * rstd;
    a[k] += dv;
    b[k] += dv * xh;
  }
  sums[0] = combine8(a);
  sums[1] = combine8(b);
}

/* dx_j = rstd·((dx̂_j − mD) − x̂_j·mDX) for the whole vectors of a row. */
ATTR static long FN(ln_bwd_apply_v_)(const T *g, const T *x, const T *gamma, T *dx, long d,
                                     double mean, double rstd, double mD, double mDX) {
  __m256d m = set1(mean), rs = set1(rstd), vD = set1(mD), vDX = set1(mDX);
  long j = 0;
  for (; j + 4 <= d; j += 4) {
    __m256d dv = LD(g + j);
    if (gamma != NULL) dv = mul(dv, LD(gamma + j));
    __m256d xh = mul(sub(LD(x + j), m), rs);
    ST(dx + j, mul(rs, sub(sub(dv, vD), mul(xh, vDX))));
  }
  return j;
}

/* Columns [lo, hi) of dγ = Σ_r g·x̂ and dβ = Σ_r g, rows in order; vectors of 4 columns. */
ATTR static long FN(ln_cols_v_)(const T *g, const T *x, const double *mean, const double *rstd,
                                long rows, long d, long lo, long hi, double *sw, double *sb) {
  long j = lo;
  for (; j + 4 <= hi; j += 4) {
    __m256d aw = _mm256_setzero_pd(), ab = aw;
    for (long r = 0; r < rows; r++) {
      __m256d gv = LD(g + r * d + j);
      __m256d xh = mul(sub(LD(x + r * d + j), set1(mean[r])), set1(rstd[r]));
      aw = add(aw, mul(gv, xh));
      ab = add(ab, gv);
    }
    st4d(sw + j - lo, aw);
    st4d(sb + j - lo, ab);
  }
  return j;
}

typedef struct {
  const T *x, *g, *gamma, *beta;
  const double *mean, *rstd;
  double *meanOut, *rstdOut;
  T *out, *dGamma, *dBeta;
  long d, rows;
  double eps;
  int dGammaAcc, dBetaAcc, rms;
} FN(ln_job_);

static void FN(ln_fwd_rows_)(void *ctx, long lo, long hi) {
  FN(ln_job_) *c = ctx;
  long d = c->d;
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  for (long r = lo; r < hi; r++) {
    const T *x = c->x + r * d;
    T *y = c->out + r * d;
    double mean = c->rms ? 0 : (avx ? FN(ln_sum_v_)(x, d, 0, 0) : FN(ln_sum_s_)(x, d, 0, 0)) / d;
    double ss = avx ? FN(ln_sum_v_)(x, d, 1, mean) : FN(ln_sum_s_)(x, d, 1, mean);
    double rstd = 1 / sqrt(ss / d + c->eps);
    c->meanOut[r] = mean;
    c->rstdOut[r] = rstd;
    long j = 0;
    if (avx) j = FN(ln_fwd_apply_v_)(x, c->gamma, c->beta, y, d, mean, rstd);
    for (; j < d; j++) {
      double v = ((double)x[j] - mean) * rstd;
      if (c->gamma != NULL) v *= c->gamma[j];
      if (c->beta != NULL) v += c->beta[j];
      y[j] = (T)v;
    }
  }
}

static void FN(ln_bwd_rows_)(void *ctx, long lo, long hi) {
  FN(ln_job_) *c = ctx;
  long d = c->d;
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  double sums[2];
  for (long r = lo; r < hi; r++) {
    const T *x = c->x + r * d, *g = c->g + r * d;
    T *dx = c->out + r * d;
    double mean = c->mean[r], rstd = c->rstd[r];
    if (avx) FN(ln_bwd_sums_v_)(g, x, c->gamma, d, mean, rstd, sums);
    else FN(ln_bwd_sums_s_)(g, x, c->gamma, d, mean, rstd, sums);
    double mD = c->rms ? 0 : sums[0] / d, mDX = sums[1] / d;
    long j = 0;
    if (avx) j = FN(ln_bwd_apply_v_)(g, x, c->gamma, dx, d, mean, rstd, mD, mDX);
    for (; j < d; j++) {
      double gv = g[j];
      double dv = c->gamma != NULL ? gv * (double)c->gamma[j] : gv;
      double xh = ((double)x[j] - mean) * rstd;
      dx[j] = (T)(rstd * ((dv - mD) - xh * mDX));
    }
  }
}

static void FN(ln_store_)(T *out, double s, int acc, long j) {
  out[j] = acc ? (T)((double)out[j] + (double)(T)s) : (T)s;
}

#define LN_COLS 64
static void FN(ln_cols_)(void *ctx, long lo, long hi) {
  FN(ln_job_) *c = ctx;
  long d = c->d, rows = c->rows;
  int avx = gs_isa() == GS_ISA_AVX2_FMA;
  double sw[LN_COLS], sb[LN_COLS];
  for (long j0 = lo; j0 < hi; j0 += LN_COLS) {
    long j1 = j0 + LN_COLS < hi ? j0 + LN_COLS : hi;
    long j = j0;
    if (avx) j = FN(ln_cols_v_)(c->g, c->x, c->mean, c->rstd, rows, d, j0, j1, sw, sb);
    for (; j < j1; j++) {
      double aw = 0, ab = 0;
      for (long r = 0; r < rows; r++) {
        double gv = c->g[r * d + j];
        aw += gv * (((double)c->x[r * d + j] - c->mean[r]) * c->rstd[r]);
        ab += gv;
      }
      sw[j - j0] = aw;
      sb[j - j0] = ab;
    }
    for (j = j0; j < j1; j++) {
      if (c->dGamma != NULL) FN(ln_store_)(c->dGamma, sw[j - j0], c->dGammaAcc, j);
      if (c->dBeta != NULL) FN(ln_store_)(c->dBeta, sb[j - j0], c->dBetaAcc, j);
    }
  }
}

void FN(gs_layer_norm_fwd_)(const T *x, const T *gamma, const T *beta, long rows, long d,
                            double eps, int rms, T *y, double *mean, double *rstd) {
  FN(ln_job_) c;
  memset(&c, 0, sizeof c);
  c.x = x;
  c.gamma = gamma;
  c.beta = rms ? NULL : beta;
  c.rms = rms;
  c.out = y;
  c.meanOut = mean;
  c.rstdOut = rstd;
  c.d = d;
  c.rows = rows;
  c.eps = eps;
  gs_parallel_for(rows, 1, d > 0 && d < 8192 ? 8192 / d : 1, FN(ln_fwd_rows_), &c);
}

void FN(gs_layer_norm_bwd_)(const T *g, const T *x, const T *gamma, const double *mean,
                            const double *rstd, long rows, long d, int rms, T *dx, T *dGamma,
                            int dGammaAcc, T *dBeta, int dBetaAcc) {
  FN(ln_job_) c;
  memset(&c, 0, sizeof c);
  c.g = g;
  c.x = x;
  c.gamma = gamma;
  c.mean = mean;
  c.rstd = rstd;
  c.out = dx;
  c.d = d;
  c.rows = rows;
  c.dGamma = dGamma;
  c.dBeta = dBeta;
  c.dGammaAcc = dGammaAcc;
  c.dBetaAcc = dBetaAcc;
  c.rms = rms;
  if (dx != NULL) gs_parallel_for(rows, 1, d > 0 && d < 8192 ? 8192 / d : 1, FN(ln_bwd_rows_), &c);
  if (dGamma != NULL || dBeta != NULL)
    gs_parallel_for(d, 8, rows * d < 65536 ? d : 8, FN(ln_cols_), &c);
}
#undef LN_COLS
#undef FN
#undef CAT
#undef CAT_
