/* The fused layer kernels for one dtype (included by layers.c with T, S, TANH defined): the JS
 * reference compositions (src/kernels/js/{im2col,linear,conv,rnn}.ts) over this library's GEMM,
 * with every element-wise operation done as JS does it (double precision, rounded to T at each
 * store), hence the same bits as the JS reference run with setKernels('native'). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)
#define GEMM FN(gs_gemm_)
#define GEMM_EPI FN(gs_gemm_epi_)
#define GEMM_SERIAL FN(gs_gemm_serial_)

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

/* Row `row` = (ch·kh + i)·kw + j of one image's column matrix into dst (outH·outW elements). */
static void FN(im2col_row_)(const T *xImg, const gs_geom *g, long row, T *d) {
  long j = row % g->kw, i = (row / g->kw) % g->kh, ch = row / (g->kw * g->kh);
  const T *xc = xImg + ch * g->height * g->width;
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
}

/* Rows [lo, hi) of one image's column matrix, contiguous in col. */
static void FN(im2col_rows_)(const T *xImg, const gs_geom *g, long lo, long hi, T *col) {
#ifdef IM2COL_ROWS_FAST
  if (IM2COL_ROWS_FAST(xImg, g, lo, hi, col)) return;
#endif
  long plane = g->outH * g->outW;
  for (long r = lo; r < hi; r++) FN(im2col_row_)(xImg, g, r, col + (r - lo) * plane);
}

void FN(gs_im2col_)(const T *x, const gs_geom *g, T *col, long batch) {
  long imageSize = g->channels * g->height * g->width;
  long rows = g->channels * g->kh * g->kw, colSize = rows * g->outH * g->outW;
  for (long bi = 0; bi < batch; bi++) FN(im2col_rows_)(x + bi * imageSize, g, 0, rows, col + bi * colSize);
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
            /* the reference's double sum rounded to T: the T sum (see the passes below) */
            if (g->sw == 1)
              for (long ox = lo; ox < hi; ox++) dst[ox - lo] = dst[ox - lo] + sr[ox];
            else
              for (long ox = lo; ox < hi; ox++) {
                *dst = *dst + sr[ox];
                dst += g->sw;
              }
          }
          s += plane;
        }
      }
    }
  }
}

/* ---- Element-wise passes, split over the pool by ranges (elements are independent, so the
 * split never changes a bit). The float32 sums below are the JS reference's double-precision
 * sum rounded once to float32, which is the float32 sum (double rounding is innocuous for +:
 * 53 ≥ 2·24 + 2, S. Figueroa, "When is double rounding innocuous?", SIGNUM 30(3), 1995). */
typedef struct {
  T *y, *gz, *db;
  const T *g, *yv, *b;
  long rows, cols;
  int act;
} FN(ew_);

GS_CLONES static void FN(tanh_range_)(void *ctx, long lo, long hi) {
  T *restrict y = ((FN(ew_) *)ctx)->y;
  for (long i = lo; i < hi; i++) y[i] = (T)TANH((double)y[i]);
}

/* gz = g ⊙ act'(y) and db (+)= Σ_rows gz, for the columns [lo, hi) (pointers in locals: the
 * loops vectorize only when the compiler knows the stores do not move them). */
GS_CLONES static void FN(act_db_cols_)(void *ctx, long lo, long hi) {
  FN(ew_) *c = (FN(ew_) *)ctx;
  const long cols = c->cols, rows = c->rows;
  const int act = c->act;
  T *restrict db = c->db;
  for (long r = 0; r < rows; r++) {
    const T *restrict g = c->g + r * cols, *restrict y = c->yv + r * cols;
    T *gz = c->gz + r * cols;
    if (act == 1) {
      T *restrict z = gz;
      for (long j = lo; j < hi; j++) z[j] = y[j] > 0 ? g[j] : 0;
    } else if (act == 2) {
      T *restrict z = gz;
      for (long j = lo; j < hi; j++) {
        double v = y[j];
        z[j] = (T)((double)g[j] * (1 - v * v));
      }
    }
    if (db != NULL)
      for (long j = lo; j < hi; j++) db[j] = db[j] + gz[j];
  }
}

void FN(gs_linear_fwd_)(const T *x, const T *w, const T *bias, int act, long rows, long inF,
                        long outF, T *y) {
  /* bias and ReLU in the GEMM's epilogue; tanh in a pass after it */
  gs_epi e = {bias, 0, act == 1};
  GEMM_EPI(0, 1, rows, outF, inF, 1, x, w, 0, y, bias != NULL || act == 1 ? &e : NULL);
  if (act == 2) {
    FN(ew_) c = {y, NULL, NULL, NULL, NULL, NULL, rows, outF, act};
    gs_parallel_for(rows * outF, 64, 4096, FN(tanh_range_), &c);
  }
}

void FN(gs_linear_bwd_)(const T *g, const T *y, const T *x, const T *w, int act, long rows,
                        long inF, long outF, T *dx, T *dW, int dWAcc, T *db, int dbAcc) {
  const T *gd = g;
  if (db != NULL && !dbAcc)
    for (long j = 0; j < outF; j++) db[j] = 0;
  if (act != 0 || db != NULL) {
    T *gz = act != 0 ? (T *)gs_scratch(2, sizeof(T) * rows * outF) : (T *)g;
    FN(ew_) c = {NULL, gz, db, g, y, NULL, rows, outF, act};
    /* columns split when each thread gets ≥ 16 of them and the pass is worth a hand-off: from
     * 2^17 elements (~20 µs); below, a split part measured slower than the whole pass on one
     * thread (W1's 128 × 256: 5 µs on one thread, 6–10 µs per part on two) */
    long minCols = rows * outF < 131072 ? outF : 16;
    gs_parallel_for(outF, 16, minCols, FN(act_db_cols_), &c);
    gd = gz;
  }
  if (dx != NULL) GEMM(0, 0, rows, inF, outF, 1, gd, w, 0, dx);
  if (dW != NULL) GEMM(1, 0, outF, inF, rows, 1, gd, x, dWAcc ? 1 : 0, dW);
}

static int FN(direct_)(const gs_geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
         g->dh == 1 && g->dw == 1;
}

/* The images of a batch are independent (forward, and dx backward): the pool's threads take
 * whole images, each with its own column scratch, and run their GEMMs alone; with fewer images
 * than threads, the images go one by one through the threaded GEMM. Every output element is
 * computed by the same operations either way, so the bits do not depend on the thread count. */
typedef struct {
  const T *x, *w, *gd;
  const gs_geom *g;
  long n, o;
  T *out;
  const gs_epi *epi;
  int alone; /* 1: GEMMs on the calling thread */
} FN(images_);

static void FN(conv_fwd_one_)(FN(images_) *c, long i, T *cols) {
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw, o = c->o;
  long imageSize = g->channels * g->height * g->width;
  const T *b = c->x + i * imageSize;
  if (cols != NULL) {
    FN(gs_im2col_)(b, g, cols, 1);
    b = cols;
  }
  if (c->alone)
    GEMM_SERIAL(o, p, k, 1, c->w, k, 1, b, p, 1, 0, c->out + i * o * p, p, c->epi);
  else
    GEMM_EPI(0, 0, o, p, k, 1, c->w, b, 0, c->out + i * o * p, c->epi);
}

static void FN(conv_fwd_images_)(void *ctx, int t, int nth) {
  FN(images_) *c = (FN(images_) *)ctx;
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  long chunk = (c->n + nth - 1) / nth, i0 = t * chunk, i1 = i0 + chunk < c->n ? i0 + chunk : c->n;
  T *cols = FN(direct_)(g) ? NULL : (T *)gs_scratch(2, sizeof(T) * k * p);
  for (long i = i0; i < i1; i++) FN(conv_fwd_one_)(c, i, cols);
}

/* dx[i] = col2im(Wᵀ·gz[i]) (the image zeroed first), or Wᵀ·gz[i] for a direct convolution. */
static void FN(conv_dx_one_)(FN(images_) *c, long i, T *cols) {
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw, o = c->o;
  long imageSize = g->channels * g->height * g->width;
  T *dxi = c->out + i * imageSize;
  T *dst = cols != NULL ? cols : dxi;
  if (c->alone)
    GEMM_SERIAL(k, p, o, 1, c->w, 1, k, c->gd + i * o * p, p, 1, 0, dst, p, NULL);
  else
    GEMM(1, 0, k, p, o, 1, c->w, c->gd + i * o * p, 0, dst);
  if (cols != NULL) {
#ifdef COL2IM_FAST
    if (COL2IM_FAST(cols, g, dxi)) return;
#endif
    for (long e = 0; e < imageSize; e++) dxi[e] = 0;
    FN(gs_col2im_)(cols, g, dxi, 1);
  }
}

static void FN(conv_dx_images_)(void *ctx, int t, int nth) {
  FN(images_) *c = (FN(images_) *)ctx;
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  long chunk = (c->n + nth - 1) / nth, i0 = t * chunk, i1 = i0 + chunk < c->n ? i0 + chunk : c->n;
  T *cols = FN(direct_)(g) ? NULL : (T *)gs_scratch(2, sizeof(T) * k * p);
  for (long i = i0; i < i1; i++) FN(conv_dx_one_)(c, i, cols);
}

/* Runs fn over the images: whole images per thread when there are enough of them. */
static void FN(over_images_)(FN(images_) *c, gs_task fn, double work) {
  int nth = gs_threads();
  if (work * (double)c->n < (double)(1 << 20)) nth = 1;
  c->alone = nth == 1 || c->n >= nth;
  if (c->alone && nth > 1) gs_run(fn, c, nth);
  else fn(c, 0, 1);
}

void FN(gs_conv_fwd_)(const T *x, const T *w, const T *bias, int relu, const gs_geom *g, long n,
                      long o, T *y) {
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  /* bias and ReLU in the GEMM's epilogue (bias per row: an output channel) */
  gs_epi e = {bias, 1, relu};
  FN(images_) c = {x, w, NULL, g, n, o, y, bias != NULL || relu ? &e : NULL, 1};
  FN(over_images_)(&c, FN(conv_fwd_images_), (double)o * p * k);
}

/* ---- The convolution's backward passes. */
typedef struct {
  const T *gy, *y, *x, *gd;
  const gs_geom *g;
  long n, o;
  T *gz, *dW, *db;
  int dWAcc;
} FN(cbwd_);

/* gz = gy ⊙ [y > 0] over [lo, hi) */
GS_CLONES static void FN(relu_mask_)(void *ctx, long lo, long hi) {
  FN(cbwd_) *c = (FN(cbwd_) *)ctx;
  T *restrict gz = c->gz;
  const T *restrict y = c->y, *restrict gy = c->gy;
  for (long i = lo; i < hi; i++) gz[i] = y[i] > 0 ? gy[i] : 0;
}

/* db[o] (+)= Σ_i (Σ_j gd[i, o, j] in double, in j order) for the channels [lo, hi): the sums of
 * eight channels interleaved (independent chains), each in the reference's order. */
static void FN(db_channels_)(void *ctx, long lo, long hi) {
  FN(cbwd_) *c = (FN(cbwd_) *)ctx;
  long p = c->g->outH * c->g->outW, o = c->o;
  for (long i = 0; i < c->n; i++) {
    long ch = lo;
    for (; ch + 8 <= hi; ch += 8) {
      const T *r = c->gd + (i * o + ch) * p;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (long j = 0; j < p; j++) {
        s0 += r[j]; s1 += r[p + j]; s2 += r[2 * p + j]; s3 += r[3 * p + j];
        s4 += r[4 * p + j]; s5 += r[5 * p + j]; s6 += r[6 * p + j]; s7 += r[7 * p + j];
      }
      double s[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
      for (int q = 0; q < 8; q++) c->db[ch + q] = (T)((double)c->db[ch + q] + s[q]);
    }
    for (; ch < hi; ch++) {
      const T *r = c->gd + (i * o + ch) * p;
      double s = 0;
      for (long j = 0; j < p; j++) s += r[j];
      c->db[ch] = (T)((double)c->db[ch] + s);
    }
  }
}

/* dW[:, lo:hi] (+)= Σ_i gd[i]·cols(x[i])[lo:hi]ᵀ: the rows lo..hi of each image's column
 * matrix unfolded into this thread's scratch, then one GEMM per image on this thread (the
 * images in order, as the reference's one GEMM per image with beta = 1 after the first). */
static void FN(dw_cols_)(void *ctx, long lo, long hi) {
  FN(cbwd_) *c = (FN(cbwd_) *)ctx;
  const gs_geom *g = c->g;
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw, o = c->o;
  long imageSize = g->channels * g->height * g->width;
  int direct = FN(direct_)(g);
  T *cols = direct ? NULL : (T *)gs_scratch(2, sizeof(T) * (hi - lo) * p);
  for (long i = 0; i < c->n; i++) {
    T beta = i > 0 || c->dWAcc ? 1 : 0;
    const T *b;
    if (direct) {
      b = c->x + i * imageSize + lo * p;
    } else {
      FN(im2col_rows_)(c->x + i * imageSize, g, lo, hi, cols);
      b = cols;
    }
    GEMM_SERIAL(o, hi - lo, p, 1, c->gd + i * o * p, p, 1, b, 1, p, beta, c->dW + lo, k, NULL);
  }
}

void FN(gs_conv_bwd_)(const T *gy, const T *y, const T *x, const T *w, const gs_geom *g, long n,
                      long o, T *dx, T *dW, int dWAcc, T *db, int dbAcc) {
  long p = g->outH * g->outW, k = g->channels * g->kh * g->kw;
  FN(cbwd_) c = {gy, y, x, gy, g, n, o, NULL, dW, db, dWAcc};
  if (y != NULL) {
    c.gz = (T *)gs_scratch(3, sizeof(T) * n * o * p);
    gs_parallel_for(n * o * p, 64, 32768, FN(relu_mask_), &c);
    c.gd = c.gz;
  }
  if (dW != NULL) {
    /* columns of dW per thread: ≥ 16 each, and only when the work repays a wake-up */
    long minCols = (double)o * k * p * n < (double)(1 << 20) ? k : 16;
    gs_parallel_for(k, 16, minCols, FN(dw_cols_), &c);
  }
  if (dx != NULL) {
    FN(images_) ci = {NULL, w, c.gd, g, n, o, dx, NULL, 1};
    FN(over_images_)(&ci, FN(conv_dx_images_), (double)o * p * k);
  }
  if (db != NULL) {
    if (!dbAcc)
      for (long j = 0; j < o; j++) db[j] = 0;
    gs_parallel_for(o, 8, (double)n * o * p < 65536 ? o : 8, FN(db_channels_), &c);
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
#undef GEMM_EPI
#undef GEMM_SERIAL
#undef FN
#undef CAT
#undef CAT_
