/* The fused layer kernels for one dtype (included by layers.c with T, S, TANH defined): the JS
 * reference compositions (src/kernels/js/{im2col,linear,conv,rnn}.ts) over this library's GEMM,
 * with every element-wise operation done as JS does it (double precision, rounded to T at each
 * store), hence the same bits as the JS reference run with setKernels('native'). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)
#define GEMM FN(gs_gemm_)

static long FN(col_lo_)(long off, long sw, long outW) {
  long lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  return lo < outW ? lo : outW;
}
static long FN(col_hi_)(long lo, long off, long sw, long width, long outW) {
  long last = width - 1 - off;
  if (last < 0) return lo;
  long hi = last / sw + 1;
  if (hi > outW) hi = outW;
  return hi > lo ? hi : lo;
}

void FN(gs_im2col_)(const T *x, const gs_geom *g, T *col, long batch) {
  long plane = g->outH * g->outW, imageSize = g->channels * g->height * g->width;
  long colSize = g->channels * g->kh * g->kw * plane;
  for (long bi = 0; bi < batch; bi++) {
    const T *xImg = x + bi * imageSize;
    T *d = col + bi * colSize;
    for (long ch = 0; ch < g->channels; ch++) {
      const T *xc = xImg + ch * g->height * g->width;
      for (long i = 0; i < g->kh; i++) {
        for (long j = 0; j < g->kw; j++) {
          long off = j * g->dw - g->pw;
          long lo = FN(col_lo_)(off, g->sw, g->outW);
          long hi = FN(col_hi_)(lo, off, g->sw, g->width, g->outW);
          for (long oy = 0; oy < g->outH; oy++) {
            long iy = oy * g->sh - g->ph + i * g->dh;
            T *dr = d + oy * g->outW;
            if (iy < 0 || iy >= g->height) {
              for (long ox = 0; ox < g->outW; ox++) dr[ox] = 0;
              continue;
            }
            for (long ox = 0; ox < lo; ox++) dr[ox] = 0;
            const T *s = xc + iy * g->width + lo * g->sw + off;
            if (g->sw == 1)
              for (long ox = lo; ox < hi; ox++) dr[ox] = s[ox - lo];
            else
              for (long ox = lo; ox < hi; ox++) dr[ox] = s[(ox - lo) * g->sw];
            for (long ox = hi; ox < g->outW; ox++) dr[ox] = 0;
          }
          d += plane;
        }
      }
    }
  }
}

void FN(gs_col2im_)(const T *col, const gs_geom *g, T *x, long batch) {
  long plane = g->outH * g->outW, imageSize = g->channels * g->height * g->width;
  long colSize = g->channels * g->kh * g->kw * plane;
  for (long bi = 0; bi < batch; bi++) {
    T *xImg = x + bi * imageSize;
    const T *s = col + bi * colSize;
    for (long ch = 0; ch < g->channels; ch++) {
      T *xc = xImg + ch * g->height * g->width;
      for (long i = 0; i < g->kh; i++) {
        for (long j = 0; j < g->kw; j++) {
          long off = j * g->dw - g->pw;
          long lo = FN(col_lo_)(off, g->sw, g->outW);
          long hi = FN(col_hi_)(lo, off, g->sw, g->width, g->outW);
          for (long oy = 0; oy < g->outH; oy++) {
            long iy = oy * g->sh - g->ph + i * g->dh;
            if (iy < 0 || iy >= g->height) continue;
            const T *sr = s + oy * g->outW;
            T *dst = xc + iy * g->width + lo * g->sw + off;
            for (long ox = lo; ox < hi; ox++) {
              *dst = (T)((double)*dst + (double)sr[ox]);
              dst += g->sw;
            }
          }
          s += plane;
        }
      }
    }
  }
}

static void FN(add_bias_rows_)(T *y, long rows, long cols, const T *b) {
  for (long r = 0; r < rows; r++)
    for (long j = 0; j < cols; j++) y[r * cols + j] = (T)((double)y[r * cols + j] + (double)b[j]);
}

void FN(gs_linear_fwd_)(const T *x, const T *w, const T *bias, int act, long rows, long inF,
                        long outF, T *y) {
  long n = rows * outF;
  GEMM(0, 1, rows, outF, inF, 1, x, w, 0, y);
  if (act == 0) {
    if (bias != NULL) FN(add_bias_rows_)(y, rows, outF, bias);
  } else if (act == 1) {
    if (bias != NULL) {
      for (long r = 0; r < rows; r++)
        for (long j = 0; j < outF; j++) {
          double v = (double)y[r * outF + j] + (double)bias[j];
          y[r * outF + j] = (T)(v < 0 ? 0 : v);
        }
    } else {
      for (long i = 0; i < n; i++) y[i] = y[i] < 0 ? 0 : y[i];
    }
  } else {
    if (bias != NULL) FN(add_bias_rows_)(y, rows, outF, bias);
    for (long i = 0; i < n; i++) y[i] = (T)TANH((double)y[i]);
  }
}

/* gz ← g ⊙ act'(y) (act 1 ReLU, 2 tanh). */
static void FN(act_grad_)(T *gz, const T *g, const T *y, int act, long n) {
  if (act == 1)
    for (long i = 0; i < n; i++) gz[i] = y[i] > 0 ? g[i] : 0;
  else
    for (long i = 0; i < n; i++) {
      double v = y[i];
      gz[i] = (T)((double)g[i] * (1 - v * v));
    }
}

void FN(gs_linear_bwd_)(const T *g, const T *y, const T *x, const T *w, int act, long rows,
                        long inF, long outF, T *dx, T *dW, int dWAcc, T *db, int dbAcc) {
  const T *gd = g;
  if (act != 0) {
    T *gz = (T *)gs_scratch(2, sizeof(T) * rows * outF);
    FN(act_grad_)(gz, g, y, act, rows * outF);
    gd = gz;
  }
  if (dx != NULL) GEMM(0, 0, rows, inF, outF, 1, gd, w, 0, dx);
  if (dW != NULL) GEMM(1, 0, outF, inF, rows, 1, gd, x, dWAcc ? 1 : 0, dW);
  if (db != NULL) {
    if (!dbAcc)
      for (long j = 0; j < outF; j++) db[j] = 0;
    for (long r = 0; r < rows; r++)
      for (long j = 0; j < outF; j++) db[j] = (T)((double)db[j] + (double)gd[r * outF + j]);
  }
}

static int FN(direct_)(const gs_geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
         g->dh == 1 && g->dw == 1;
}

/* The images of a batch are independent (forward, and dx backward): the pool's threads take
 * whole images, each with its own column scratch; the GEMMs inside run on their thread. Every
 * image is computed exactly as alone, so the bits do not depend on the thread count. */
typedef struct {
  const T *x, *w, *gd;
  const gs_geom *g;
  long n, o;
  T *out;
} FN(images_);

static void FN(conv_fwd_images_)(void *ctx, int t, int nth) {
  FN(images_) *c = (FN(images_) *)ctx;
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw, o = c->o;
  long imageSize = g->channels * g->height * g->width;
  long chunk = (c->n + nth - 1) / nth, i0 = t * chunk, i1 = i0 + chunk < c->n ? i0 + chunk : c->n;
  T *cols = FN(direct_)(g) ? NULL : (T *)gs_scratch(2, sizeof(T) * k * p);
  for (long i = i0; i < i1; i++) {
    if (cols != NULL) {
      FN(gs_im2col_)(c->x + i * imageSize, g, cols, 1);
      GEMM(0, 0, o, p, k, 1, c->w, cols, 0, c->out + i * o * p);
    } else {
      GEMM(0, 0, o, p, k, 1, c->w, c->x + i * imageSize, 0, c->out + i * o * p);
    }
  }
}

static void FN(conv_dx_images_)(void *ctx, int t, int nth) {
  FN(images_) *c = (FN(images_) *)ctx;
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw, o = c->o;
  long imageSize = g->channels * g->height * g->width;
  long chunk = (c->n + nth - 1) / nth, i0 = t * chunk, i1 = i0 + chunk < c->n ? i0 + chunk : c->n;
  T *cols = FN(direct_)(g) ? NULL : (T *)gs_scratch(2, sizeof(T) * k * p);
  for (long i = i0; i < i1; i++) {
    T *dxi = c->out + i * imageSize;
    if (cols != NULL) {
      for (long e = 0; e < imageSize; e++) dxi[e] = 0;
      GEMM(1, 0, k, p, o, 1, c->w, c->gd + i * o * p, 0, cols);
      FN(gs_col2im_)(cols, g, dxi, 1);
    } else {
      GEMM(1, 0, k, p, o, 1, c->w, c->gd + i * o * p, 0, dxi);
    }
  }
}

/* Threads for a batch of n images of `work` multiply-adds each. */
static int FN(image_threads_)(long n, double work) {
  int nth = gs_threads();
  if (work * (double)n < (double)(1 << 20)) return 1;
  return nth < n ? nth : (int)n;
}

void FN(gs_conv_fwd_)(const T *x, const T *w, const T *bias, int relu, const gs_geom *g, long n,
                      long o, T *y) {
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  FN(images_) c = {x, w, NULL, g, n, o, y};
  int nth = FN(image_threads_)(n, (double)o * p * k);
  if (nth > 1) gs_run(FN(conv_fwd_images_), &c, nth);
  else FN(conv_fwd_images_)(&c, 0, 1);
  if (bias != NULL)
    for (long i = 0; i < n * o; i++) {
      double bv = bias[i % o];
      T *yi = y + i * p;
      for (long j = 0; j < p; j++) yi[j] = (T)((double)yi[j] + bv);
    }
  if (relu)
    for (long i = 0; i < n * o * p; i++) y[i] = y[i] < 0 ? 0 : y[i];
}

void FN(gs_conv_bwd_)(const T *gy, const T *y, const T *x, const T *w, const gs_geom *g, long n,
                      long o, T *dx, T *dW, int dWAcc, T *db, int dbAcc) {
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  long imageSize = g->channels * g->height * g->width;
  const T *gd = gy;
  if (y != NULL) {
    T *gz = (T *)gs_scratch(3, sizeof(T) * n * o * p);
    for (long i = 0; i < n * o * p; i++) gz[i] = y[i] > 0 ? gy[i] : 0;
    gd = gz;
  }
  T *cols = FN(direct_)(g) ? NULL : (T *)gs_scratch(2, sizeof(T) * k * p);
  if (dW != NULL)
    for (long i = 0; i < n; i++) {
      double beta = i > 0 || dWAcc ? 1 : 0;
      if (cols != NULL) {
        FN(gs_im2col_)(x + i * imageSize, g, cols, 1);
        GEMM(0, 1, o, k, p, 1, gd + i * o * p, cols, beta, dW);
      } else {
        GEMM(0, 1, o, k, p, 1, gd + i * o * p, x + i * imageSize, beta, dW);
      }
    }
  if (dx != NULL) {
    FN(images_) c = {NULL, w, gd, g, n, o, dx};
    int nth = FN(image_threads_)(n, (double)o * p * k);
    if (nth > 1) gs_run(FN(conv_dx_images_), &c, nth);
    else FN(conv_dx_images_)(&c, 0, 1);
  }
  if (db != NULL) {
    if (!dbAcc)
      for (long j = 0; j < o; j++) db[j] = 0;
    for (long i = 0; i < n * o; i++) {
      double s = 0;
      const T *gi = gd + i * p;
      for (long j = 0; j < p; j++) s += gi[j];
      db[i % o] = (T)((double)db[i % o] + s);
    }
  }
}

void FN(gs_rnn_fwd_)(const T *x, const T *wIh, const T *bIh, const T *bHh, const T *whh,
                     const T *h0, long T_, long B, long I, long H, T *hs) {
  long bh = B * H, rows = T_ * B;
  const T *b1 = bIh != NULL ? bIh : bHh;
  const T *b2 = bIh != NULL ? bHh : NULL;
  GEMM(0, 1, rows, H, I, 1, x, wIh, 0, hs);
  if (b1 != NULL)
    for (long r = 0; r < rows; r++) {
      T *xp = hs + r * H;
      if (b2 == NULL)
        for (long j = 0; j < H; j++) xp[j] = (T)((double)xp[j] + (double)b1[j]);
      else
        for (long j = 0; j < H; j++) xp[j] = (T)((double)xp[j] + (double)b1[j] + (double)b2[j]);
    }
  for (long t = 0; t < T_; t++) {
    if (t > 0) GEMM(0, 1, B, H, H, 1, hs + (t - 1) * bh, whh, 1, hs + t * bh);
    else if (h0 != NULL) GEMM(0, 1, B, H, H, 1, h0, whh, 1, hs);
    T *ht = hs + t * bh;
    for (long e = 0; e < bh; e++) ht[e] = (T)TANH((double)ht[e]);
  }
}

void FN(gs_rnn_bwd_)(const T *g, const T *hs, const T *whh, long T_, long B, long H, T *dPre,
                     T *dh0, int extras, const T *h0, T *dWhh, int acc, double *biasSums) {
  long bh = B * H;
  T *dh = dh0 != NULL ? dh0 : (T *)gs_scratch(2, sizeof(T) * bh);
  for (long e = 0; e < bh; e++) dh[e] = 0; /* JS: a fresh zeroed array, or dh0.fill(0) */
  for (long t = T_ - 1; t >= 0; t--) {
    long o = t * bh;
    for (long e = 0; e < bh; e++) {
      double h = hs[o + e];
      dPre[o + e] = (T)(((double)g[o + e] + (double)dh[e]) * (1 - h * h));
    }
    if (t > 0 || dh0 != NULL) GEMM(0, 0, B, H, H, 1, dPre + o, whh, 0, dh);
  }
  if (!extras) return;
  if (dWhh != NULL) {
    long later = (T_ - 1) * B;
    if (later > 0) GEMM(1, 0, H, H, later, 1, dPre + bh, hs, acc ? 1 : 0, dWhh);
    if (h0 != NULL)
      GEMM(1, 0, H, H, B, 1, dPre, h0, later > 0 || acc ? 1 : 0, dWhh);
    else if (later == 0 && !acc)
      for (long e = 0; e < H * H; e++) dWhh[e] = 0;
  }
  if (biasSums != NULL)
    for (long r = 0; r < T_ * B; r++)
      for (long j = 0; j < H; j++) biasSums[j] += (double)dPre[r * H + j];
}
#undef GEMM
#undef FN
#undef CAT
#undef CAT_
