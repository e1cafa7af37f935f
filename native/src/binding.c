/* The Node-API binding of the native kernels (loaded by src/kernels/native/loader.ts). Arrays
 * are TypedArrays (Float32Array or Float64Array, the dtype of the output decides); every array
 * is checked to hold the elements the kernel will touch (a RangeError otherwise: a wrong shape
 * must not write outside a buffer), the rest is the caller's to check, as for every backend. */
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include "gs.h"
#include "rnn_gates.h"
#include "attention.h"
#include "losses.h"
#include "pool.h"
#include "transformer_ops.h"
#include "monitor_stats.h"

#define MAXARGS 16
typedef struct {
  napi_env env;
  napi_value argv[MAXARGS];
  size_t argc;
  int failed;
  int f64; /* dtype of the call: 0 float32, 1 float64 */
} ctx_t;

static void fail(ctx_t *c, const char *msg) {
  if (!c->failed) napi_throw_range_error(c->env, NULL, msg);
  c->failed = 1;
}

static int get_args(ctx_t *c, napi_callback_info info, size_t want) {
  c->argc = MAXARGS;
  c->failed = 0;
  napi_get_cb_info(c->env, info, &c->argc, c->argv, NULL, NULL);
  if (c->argc < want) {
    fail(c, "gradscope native: too few arguments");
    return 0;
  }
  return 1;
}

static double num(ctx_t *c, size_t i) {
  double v = 0;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) fail(c, "gradscope native: expected a number");
  return v;
}
static long lng(ctx_t *c, size_t i) { return (long)num(c, i); }
static int flag(ctx_t *c, size_t i) {
  bool b = false;
  napi_valuetype t;
  napi_typeof(c->env, c->argv[i], &t);
  if (t == napi_boolean) napi_get_value_bool(c->env, c->argv[i], &b);
  else return num(c, i) != 0;
  return b;
}

/* The data of argument i from element offset `off` with at least `count` elements, or NULL for
 * null/undefined when `nullable`. The dtype must match the call's. */
static void *arr(ctx_t *c, size_t i, long off, long count, int nullable) {
  napi_valuetype vt;
  napi_typeof(c->env, c->argv[i], &vt);
  if (vt == napi_null || vt == napi_undefined) {
    if (!nullable) fail(c, "gradscope native: an array argument is null");
    return NULL;
  }
  bool is = false;
  napi_is_typedarray(c->env, c->argv[i], &is);
  if (!is) {
    fail(c, "gradscope native: expected a Float32Array or Float64Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, NULL, NULL);
  int f64 = type == napi_float64_array;
  if (!(type == napi_float32_array || f64) || f64 != c->f64) {
    fail(c, "gradscope native: arrays of one call must all be Float32Array or all Float64Array");
    return NULL;
  }
  if (off < 0 || count < 0 || (size_t)(off + count) > length) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "gradscope native: argument %zu holds %zu elements, the kernel needs %ld from offset %ld",
             i, length, count, off);
    fail(c, msg);
    return NULL;
  }
  return (char *)data + (size_t)off * (f64 ? 8 : 4);
}

/* The dtype of the call, from argument i (the output). */
static void dtype_of(ctx_t *c, size_t i) {
  napi_typedarray_type type = napi_float32_array;
  bool is = false;
  napi_is_typedarray(c->env, c->argv[i], &is);
  if (is) napi_get_typedarray_info(c->env, c->argv[i], &type, NULL, NULL, NULL, NULL);
  c->f64 = type == napi_float64_array;
}

static void geom_of(ctx_t *c, size_t i, gs_geom *g) {
  long v[13];
  for (uint32_t e = 0; e < 13; e++) {
    napi_value x;
    double d = 0;
    napi_get_element(c->env, c->argv[i], e, &x);
    napi_get_value_double(c->env, x, &d);
    v[e] = (long)d;
  }
  g->channels = v[0]; g->height = v[1]; g->width = v[2]; g->kh = v[3]; g->kw = v[4];
  g->sh = v[5]; g->sw = v[6]; g->ph = v[7]; g->pw = v[8]; g->dh = v[9]; g->dw = v[10];
  g->outH = v[11]; g->outW = v[12];
}
static long g_image(const gs_geom *g) { return g->channels * g->height * g->width; }
static long g_rows(const gs_geom *g) { return g->channels * g->kh * g->kw; }
static long g_cols(const gs_geom *g) { return g->outH * g->outW; }

#define BEGIN(n, out)                          \
  ctx_t c_;                                    \
  memset(&c_, 0, sizeof c_);                   \
  c_.env = env;                                \
  ctx_t *c = &c_;                              \
  if (!get_args(c, info, n)) return NULL;      \
  dtype_of(c, out);
#define DISPATCH(call32, call64) \
  if (c->failed) return NULL;    \
  if (c->f64) call64; else call32; \
  return NULL;

/* gemm(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  BEGIN(13, 11)
  int ta = flag(c, 0), tb = flag(c, 1);
  long m = lng(c, 2), n = lng(c, 3), k = lng(c, 4);
  double alpha = num(c, 5), beta = num(c, 10);
  int readAB = k > 0 && alpha != 0 && m > 0 && n > 0;
  void *a = arr(c, 6, lng(c, 7), readAB ? m * k : 0, 0);
  void *b = arr(c, 8, lng(c, 9), readAB ? k * n : 0, 0);
  void *cc = arr(c, 11, lng(c, 12), m * n, 0);
  DISPATCH(gs_gemm_f32(ta, tb, m, n, k, alpha, a, b, beta, cc),
           gs_gemm_f64(ta, tb, m, n, k, alpha, a, b, beta, cc))
}

/* im2col(x, xOffset, geom[13], col, colOffset, batch); col2im(col, colOffset, geom, x, xOffset, batch) */
static napi_value js_im2col(napi_env env, napi_callback_info info) {
  BEGIN(6, 3)
  gs_geom g;
  geom_of(c, 2, &g);
  long batch = lng(c, 5);
  void *x = arr(c, 0, lng(c, 1), batch * g_image(&g), 0);
  void *col = arr(c, 3, lng(c, 4), batch * g_rows(&g) * g_cols(&g), 0);
  DISPATCH(gs_im2col_f32(x, &g, col, batch), gs_im2col_f64(x, &g, col, batch))
}
static napi_value js_col2im(napi_env env, napi_callback_info info) {
  BEGIN(6, 3)
  gs_geom g;
  geom_of(c, 2, &g);
  long batch = lng(c, 5);
  void *col = arr(c, 0, lng(c, 1), batch * g_rows(&g) * g_cols(&g), 0);
  void *x = arr(c, 3, lng(c, 4), batch * g_image(&g), 0);
  DISPATCH(gs_col2im_f32(col, &g, x, batch), gs_col2im_f64(col, &g, x, batch))
}

/* linearForward(x, w, bias, act, rows, inF, outF, y) */
static napi_value js_linear_fwd(napi_env env, napi_callback_info info) {
  BEGIN(8, 7)
  int act = (int)lng(c, 3);
  long rows = lng(c, 4), inF = lng(c, 5), outF = lng(c, 6);
  void *x = arr(c, 0, 0, rows * inF, 0), *w = arr(c, 1, 0, outF * inF, 0);
  void *bias = arr(c, 2, 0, outF, 1), *y = arr(c, 7, 0, rows * outF, 0);
  DISPATCH(gs_linear_fwd_f32(x, w, bias, act, rows, inF, outF, y),
           gs_linear_fwd_f64(x, w, bias, act, rows, inF, outF, y))
}

/* linearBackward(g, y, x, w, act, rows, inF, outF, dx, dW, dWAcc, db, dbAcc) */
static napi_value js_linear_bwd(napi_env env, napi_callback_info info) {
  BEGIN(13, 0)
  int act = (int)lng(c, 4);
  long rows = lng(c, 5), inF = lng(c, 6), outF = lng(c, 7);
  void *g = arr(c, 0, 0, rows * outF, 0), *y = arr(c, 1, 0, act != 0 ? rows * outF : 0, 1);
  void *x = arr(c, 2, 0, rows * inF, 0), *w = arr(c, 3, 0, outF * inF, 0);
  void *dx = arr(c, 8, 0, rows * inF, 1), *dW = arr(c, 9, 0, outF * inF, 1);
  void *db = arr(c, 11, 0, outF, 1);
  int dWAcc = flag(c, 10), dbAcc = flag(c, 12);
  DISPATCH(gs_linear_bwd_f32(g, y, x, w, act, rows, inF, outF, dx, dW, dWAcc, db, dbAcc),
           gs_linear_bwd_f64(g, y, x, w, act, rows, inF, outF, dx, dW, dWAcc, db, dbAcc))
}

/* conv2dForward(x, w, bias, relu, geom, n, o, y) */
static napi_value js_conv_fwd(napi_env env, napi_callback_info info) {
  BEGIN(8, 7)
  gs_geom gg;
  geom_of(c, 4, &gg);
  long n = lng(c, 5), o = lng(c, 6);
  int relu = flag(c, 3);
  void *x = arr(c, 0, 0, n * g_image(&gg), 0), *w = arr(c, 1, 0, o * g_rows(&gg), 0);
  void *bias = arr(c, 2, 0, o, 1), *y = arr(c, 7, 0, n * o * g_cols(&gg), 0);
  DISPATCH(gs_conv_fwd_f32(x, w, bias, relu, &gg, n, o, y),
           gs_conv_fwd_f64(x, w, bias, relu, &gg, n, o, y))
}

/* conv2dBackward(gy, y, x, w, geom, n, o, dx, dW, dWAcc, db, dbAcc) */
static napi_value js_conv_bwd(napi_env env, napi_callback_info info) {
  BEGIN(12, 0)
  gs_geom gg;
  geom_of(c, 4, &gg);
  long n = lng(c, 5), o = lng(c, 6), ys = n * o * g_cols(&gg);
  void *gy = arr(c, 0, 0, ys, 0), *y = arr(c, 1, 0, ys, 1);
  void *x = arr(c, 2, 0, n * g_image(&gg), 0), *w = arr(c, 3, 0, o * g_rows(&gg), 0);
  void *dx = arr(c, 7, 0, n * g_image(&gg), 1), *dW = arr(c, 8, 0, o * g_rows(&gg), 1);
  void *db = arr(c, 10, 0, o, 1);
  int dWAcc = flag(c, 9), dbAcc = flag(c, 11);
  DISPATCH(gs_conv_bwd_f32(gy, y, x, w, &gg, n, o, dx, dW, dWAcc, db, dbAcc),
           gs_conv_bwd_f64(gy, y, x, w, &gg, n, o, dx, dW, dWAcc, db, dbAcc))
}

/* rnnForward(x, wIh, bIh, bHh, whh, h0, T, B, I, H, hs) */
static napi_value js_rnn_fwd(napi_env env, napi_callback_info info) {
  BEGIN(11, 10)
  long T = lng(c, 6), B = lng(c, 7), I = lng(c, 8), H = lng(c, 9);
  void *x = arr(c, 0, 0, T * B * I, 0), *wIh = arr(c, 1, 0, H * I, 0);
  void *bIh = arr(c, 2, 0, H, 1), *bHh = arr(c, 3, 0, H, 1), *whh = arr(c, 4, 0, H * H, 0);
  void *h0 = arr(c, 5, 0, B * H, 1), *hs = arr(c, 10, 0, T * B * H, 0);
  DISPATCH(gs_rnn_fwd_f32(x, wIh, bIh, bHh, whh, h0, T, B, I, H, hs),
           gs_rnn_fwd_f64(x, wIh, bIh, bHh, whh, h0, T, B, I, H, hs))
}

/* rnnBackward(g, hs, whh, T, B, H, dPre, dh0, extras, h0, dWhh, accumulate, biasSums) */
static napi_value js_rnn_bwd(napi_env env, napi_callback_info info) {
  BEGIN(13, 0)
  long T = lng(c, 3), B = lng(c, 4), H = lng(c, 5);
  void *g = arr(c, 0, 0, T * B * H, 0), *hs = arr(c, 1, 0, T * B * H, 0);
  void *whh = arr(c, 2, 0, H * H, 0), *dPre = arr(c, 6, 0, T * B * H, 0);
  void *dh0 = arr(c, 7, 0, B * H, 1);
  int extras = flag(c, 8);
  void *h0 = arr(c, 9, 0, B * H, 1), *dWhh = arr(c, 10, 0, H * H, 1);
  int acc = flag(c, 11);
  double *sums = NULL;
  napi_valuetype vt;
  napi_typeof(env, c->argv[12], &vt);
  if (vt != napi_null && vt != napi_undefined) {
    int f = c->f64;
    c->f64 = 1;
    sums = arr(c, 12, 0, H, 0);
    c->f64 = f;
  }
  DISPATCH(gs_rnn_bwd_f32(g, hs, whh, T, B, H, dPre, dh0, extras, h0, dWhh, acc, sums),
           gs_rnn_bwd_f64(g, hs, whh, T, B, H, dPre, dh0, extras, h0, dWhh, acc, sums))
}

/* adam(p, g, m, v, coef): float32 only */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  BEGIN(5, 1)
  if (c->f64) fail(c, "gradscope native: adam is float32-only");
  size_t len = 0;
  napi_get_typedarray_info(env, c->argv[1], NULL, &len, NULL, NULL, NULL);
  long n = (long)len;
  float *p = arr(c, 0, 0, n, 1), *g = arr(c, 1, 0, n, 0), *m = arr(c, 2, 0, n, 0);
  float *v = arr(c, 3, 0, n, 0), *coef = arr(c, 4, 0, 8, 0);
  if (c->failed) return NULL;
  gs_adam_f32(p, g, m, v, coef, n);
  return NULL;
}

/* The LSTM/GRU gate steps (rnn_gates.c), float32 only: float64 stays on the JS reference.
 * lstmGatesForward(gates, gatesOffset, cPrev, cPrevOffset, c, cOffset, h, hOffset, B, H) */
static napi_value js_lstm_gates_fwd(napi_env env, napi_callback_info info) {
  BEGIN(10, 0)
  if (c->f64) fail(c, "gradscope native: the gate steps are float32-only");
  long B = lng(c, 8), H = lng(c, 9), bh = B * H;
  float *g = arr(c, 0, lng(c, 1), 4 * bh, 0), *cp = arr(c, 2, lng(c, 3), bh, 1);
  float *cc = arr(c, 4, lng(c, 5), bh, 0), *h = arr(c, 6, lng(c, 7), bh, 0);
  if (c->failed) return NULL;
  gs_lstm_gates_fwd_f32(g, cp, cc, h, B, H);
  return NULL;
}

/* lstmGatesBackward(gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc,
 * dG, dGOffset, B, H) */
static napi_value js_lstm_gates_bwd(napi_env env, napi_callback_info info) {
  BEGIN(14, 0)
  if (c->f64) fail(c, "gradscope native: the gate steps are float32-only");
  long B = lng(c, 12), H = lng(c, 13), bh = B * H;
  float *g = arr(c, 0, lng(c, 1), 4 * bh, 0), *cc = arr(c, 2, lng(c, 3), bh, 0);
  float *cp = arr(c, 4, lng(c, 5), bh, 1), *gh = arr(c, 6, lng(c, 7), bh, 0);
  float *dh = arr(c, 8, 0, bh, 0), *dc = arr(c, 9, 0, bh, 0);
  float *dG = arr(c, 10, lng(c, 11), 4 * bh, 0);
  if (c->failed) return NULL;
  gs_lstm_gates_bwd_f32(g, cc, cp, gh, dh, dc, dG, B, H);
  return NULL;
}

/* gruGatesForward(gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev, hPrevOffset, h, hOffset, B, H) */
static napi_value js_gru_gates_fwd(napi_env env, napi_callback_info info) {
  BEGIN(12, 0)
  if (c->f64) fail(c, "gradscope native: the gate steps are float32-only");
  long B = lng(c, 10), H = lng(c, 11), bh = B * H;
  float *g = arr(c, 0, lng(c, 1), 3 * bh, 0), *hp = arr(c, 2, 0, 3 * bh, 0);
  float *b = arr(c, 3, 0, 3 * H, 1), *hn = arr(c, 4, lng(c, 5), bh, 0);
  float *hpv = arr(c, 6, lng(c, 7), bh, 1), *h = arr(c, 8, lng(c, 9), bh, 0);
  if (c->failed) return NULL;
  gs_gru_gates_fwd_f32(g, hp, b, hn, hpv, h, B, H);
  return NULL;
}

/* gruGatesBackward(gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh, dXP,
 * dHP, dOffset, B, H) */
static napi_value js_gru_gates_bwd(napi_env env, napi_callback_info info) {
  BEGIN(14, 0)
  if (c->f64) fail(c, "gradscope native: the gate steps are float32-only");
  long B = lng(c, 12), H = lng(c, 13), bh = B * H, d = lng(c, 11);
  float *g = arr(c, 0, lng(c, 1), 3 * bh, 0), *hn = arr(c, 2, lng(c, 3), bh, 0);
  float *hpv = arr(c, 4, lng(c, 5), bh, 1), *gh = arr(c, 6, lng(c, 7), bh, 0);
  float *dh = arr(c, 8, 0, bh, 0), *dXP = arr(c, 9, d, 3 * bh, 0), *dHP = arr(c, 10, d, 3 * bh, 0);
  if (c->failed) return NULL;
  gs_gru_gates_bwd_f32(g, hn, hpv, gh, dh, dXP, dHP, B, H);
  return NULL;
}

/* Argument i as an Int32Array of at least `count` elements (class targets, arg-max indices);
 * `what` names it in the error ("the targets", "maxPool2d's arg"). */
static int32_t *int32_arr(ctx_t *c, size_t i, long count, const char *what) {
  bool is = false;
  napi_is_typedarray(c->env, c->argv[i], &is);
  napi_typedarray_type type = napi_float32_array;
  size_t length = 0;
  void *data = NULL;
  if (is) napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, NULL, NULL);
  char msg[200];
  if (!is || type != napi_int32_array) {
    snprintf(msg, sizeof msg, "gradscope native: %s must be an Int32Array", what);
    fail(c, msg);
    return NULL;
  }
  if (count < 0 || (size_t)count > length) {
    snprintf(msg, sizeof msg,
             "gradscope native: %s are too short: argument %zu holds %zu indices, the kernel needs %ld",
             what, i, length, count);
    fail(c, msg);
    return NULL;
  }
  return (int32_t *)data;
}

/* ---- Softmax cross-entropy (losses.c), float32 logits only: float64 stays on the JS reference.
 * The targets are an Int32Array; lse and sums are Float64Arrays. */
static double *f64arr(ctx_t *c, size_t i, long count) {
  int f = c->f64;
  c->f64 = 1;
  double *p = arr(c, i, 0, count, 0);
  c->f64 = f;
  return p;
}

/* crossEntropyForward(z, targets, n, c, ignoreIndex, weight, eps, lse, perRow, sums) */
static napi_value js_xent_fwd(napi_env env, napi_callback_info info) {
  BEGIN(10, 0)
  if (c->f64) fail(c, "gradscope native: crossEntropy is float32-only");
  long n = lng(c, 2), k = lng(c, 3);
  float *z = arr(c, 0, 0, n * k, 0), *w = arr(c, 5, 0, k, 1), *perRow = arr(c, 8, 0, n, 1);
  int32_t *t = int32_arr(c, 1, n, "the targets");
  double *lse = f64arr(c, 7, n), *sums = f64arr(c, 9, 2);
  long ignoreIndex = lng(c, 4);
  double eps = num(c, 6);
  if (c->failed) return NULL;
  for (long i = 0; i < n; i++)
    if (t[i] != ignoreIndex && (t[i] < 0 || t[i] >= k)) {
      fail(c, "gradscope native: a target is not a class index");
      return NULL;
    }
  gs_xent_fwd_f32(z, t, n, k, ignoreIndex, w, eps, lse, perRow, sums);
  return NULL;
}

/* crossEntropyBackward(z, targets, n, c, ignoreIndex, weight, eps, lse, scale, g, dz) */
static napi_value js_xent_bwd(napi_env env, napi_callback_info info) {
  BEGIN(11, 0)
  if (c->f64) fail(c, "gradscope native: crossEntropy is float32-only");
  long n = lng(c, 2), k = lng(c, 3);
  float *z = arr(c, 0, 0, n * k, 0), *w = arr(c, 5, 0, k, 1), *g = arr(c, 9, 0, n, 1);
  float *dz = arr(c, 10, 0, n * k, 0);
  int32_t *t = int32_arr(c, 1, n, "the targets");
  double *lse = f64arr(c, 7, n);
  long ignoreIndex = lng(c, 4);
  double eps = num(c, 6), scale = num(c, 8);
  if (c->failed) return NULL;
  for (long i = 0; i < n; i++)
    if (t[i] != ignoreIndex && (t[i] < 0 || t[i] >= k)) {
      fail(c, "gradscope native: a target is not a class index");
      return NULL;
    }
  gs_xent_bwd_f32(z, t, n, k, ignoreIndex, w, eps, lse, scale, g, dz);
  return NULL;
}

/* poolStats() → [jobs, caller parts, caller waiting, imbalance, worker parts, wake-ups, wake-up
 * time] (ns; zeros unless GRADSCOPE_NATIVE_POOL_STATS=1), for bench/thread-scaling.ts */
static napi_value js_pool_stats(napi_env env, napi_callback_info info) {
  (void)info;
  double v[7];
  gs_pool_stats(v);
  napi_value a, x;
  napi_create_array_with_length(env, 7, &a);
  for (uint32_t i = 0; i < 7; i++) {
    napi_create_double(env, v[i], &x);
    napi_set_element(env, a, i, x);
  }
  return a;
}

/* GELU and layer normalisation (transformer_ops.c). geluForward(x, y, n, approximate) and
 * geluBackward(x, g, dx, n, approximate): float32 only (float64 stays on the JS reference). */
static napi_value js_gelu_fwd(napi_env env, napi_callback_info info) {
  BEGIN(4, 1)
  if (c->f64) fail(c, "gradscope native: gelu is float32-only");
  long n = lng(c, 2);
  float *x = arr(c, 0, 0, n, 0), *y = arr(c, 1, 0, n, 0);
  int tanhForm = (int)lng(c, 3) == 1;
  if (c->failed) return NULL;
  gs_gelu_fwd_f32(x, y, n, tanhForm);
  return NULL;
}
static napi_value js_gelu_bwd(napi_env env, napi_callback_info info) {
  BEGIN(5, 2)
  if (c->f64) fail(c, "gradscope native: gelu is float32-only");
  long n = lng(c, 3);
  float *x = arr(c, 0, 0, n, 0), *g = arr(c, 1, 0, n, 0), *dx = arr(c, 2, 0, n, 0);
  int tanhForm = (int)lng(c, 4) == 1;
  if (c->failed) return NULL;
  gs_gelu_bwd_f32(x, g, dx, n, tanhForm);
  return NULL;
}

/* A Float64Array argument (the row statistics), whatever the call's dtype. */
static double *stats_arr(ctx_t *c, size_t i, long count) {
  int f = c->f64;
  c->f64 = 1;
  double *p = arr(c, i, 0, count, 0);
  c->f64 = f;
  return p;
}

/* layerNormForward(x, gamma, beta, rows, d, eps, rms, y, mean, rstd) */
static napi_value js_layer_norm_fwd(napi_env env, napi_callback_info info) {
  BEGIN(10, 7)
  long rows = lng(c, 3), d = lng(c, 4);
  double eps = num(c, 5);
  int rms = flag(c, 6);
  void *x = arr(c, 0, 0, rows * d, 0), *gamma = arr(c, 1, 0, d, 1), *beta = arr(c, 2, 0, d, 1);
  void *y = arr(c, 7, 0, rows * d, 0);
  double *mean = stats_arr(c, 8, rows), *rstd = stats_arr(c, 9, rows);
  DISPATCH(gs_layer_norm_fwd_f32(x, gamma, beta, rows, d, eps, rms, y, mean, rstd),
           gs_layer_norm_fwd_f64(x, gamma, beta, rows, d, eps, rms, y, mean, rstd))
}

/* layerNormBackward(g, x, gamma, mean, rstd, rows, d, rms, dx, dGamma, dGammaAcc, dBeta,
 * dBetaAcc) */
static napi_value js_layer_norm_bwd(napi_env env, napi_callback_info info) {
  BEGIN(13, 0)
  long rows = lng(c, 5), d = lng(c, 6);
  int rms = flag(c, 7);
  void *g = arr(c, 0, 0, rows * d, 0), *x = arr(c, 1, 0, rows * d, 0);
  void *gamma = arr(c, 2, 0, d, 1);
  double *mean = stats_arr(c, 3, rows), *rstd = stats_arr(c, 4, rows);
  void *dx = arr(c, 8, 0, rows * d, 1), *dGamma = arr(c, 9, 0, d, 1), *dBeta = arr(c, 11, 0, d, 1);
  int gAcc = flag(c, 10), bAcc = flag(c, 12);
  DISPATCH(
      gs_layer_norm_bwd_f32(g, x, gamma, mean, rstd, rows, d, rms, dx, dGamma, gAcc, dBeta, bAcc),
      gs_layer_norm_bwd_f64(g, x, gamma, mean, rstd, rows, d, rms, dx, dGamma, gAcc, dBeta, bAcc))
}

/* The fused multi-head self-attention (attention.c), float32 only: float64 stays on the JS
 * reference. attentionForward(qkv, B, T, E, heads, causal, scale, p, y) */
static napi_value js_attention_fwd(napi_env env, napi_callback_info info) {
  BEGIN(9, 8)
  if (c->f64) fail(c, "gradscope native: attention is float32-only");
  long B = lng(c, 1), T = lng(c, 2), E = lng(c, 3), H = lng(c, 4);
  int causal = flag(c, 5);
  double scale = num(c, 6);
  if (B < 0 || T < 0 || E < 0 || H < 1 || E % H != 0)
    fail(c, "gradscope native: attention needs B, T, E >= 0 and heads >= 1 dividing E");
  float *qkv = arr(c, 0, 0, B * T * 3 * E, 0), *p = arr(c, 7, 0, B * H * T * T, 0);
  float *y = arr(c, 8, 0, B * T * E, 0);
  if (c->failed) return NULL;
  if (gs_attention_fwd_f32(qkv, B, T, E, H, causal, scale, p, y))
    napi_throw_error(env, NULL, "gradscope native: attention: out of memory");
  return NULL;
}

/* attentionBackward(g, qkv, p, B, T, E, heads, causal, scale, dqkv) */
static napi_value js_attention_bwd(napi_env env, napi_callback_info info) {
  BEGIN(10, 9)
  if (c->f64) fail(c, "gradscope native: attention is float32-only");
  long B = lng(c, 3), T = lng(c, 4), E = lng(c, 5), H = lng(c, 6);
  int causal = flag(c, 7);
  double scale = num(c, 8);
  if (B < 0 || T < 0 || E < 0 || H < 1 || E % H != 0)
    fail(c, "gradscope native: attention needs B, T, E >= 0 and heads >= 1 dividing E");
  float *g = arr(c, 0, 0, B * T * E, 0), *qkv = arr(c, 1, 0, B * T * 3 * E, 0);
  float *p = arr(c, 2, 0, B * H * T * T, 0), *dqkv = arr(c, 9, 0, B * T * 3 * E, 0);
  if (c->failed) return NULL;
  if (gs_attention_bwd_f32(g, qkv, p, B, T, E, H, causal, scale, dqkv))
    napi_throw_error(env, NULL, "gradscope native: attention: out of memory");
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  BEGIN(1, 0)
  gs_set_threads((int)lng(c, 0));
  return NULL;
}

/* info() → { isa: 'AVX2+FMA' | 'scalar', threads } */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, s, t;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, gs_isa_name(), NAPI_AUTO_LENGTH, &s);
  napi_create_int32(env, gs_threads(), &t);
  napi_set_named_property(env, o, "isa", s);
  napi_set_named_property(env, o, "threads", t);
  return o;
}

/* ---- 2-D max pooling (pool.c), both dtypes; the arg-max indices are an Int32Array. */
/* The 11 numbers planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow from argument `first` on. */
static void pool_of(ctx_t *c, size_t first, gs_pool *g) {
  long v[11];
  for (size_t e = 0; e < 11; e++) v[e] = lng(c, first + e);
  g->planes = v[0]; g->h = v[1]; g->w = v[2]; g->kh = v[3]; g->kw = v[4]; g->sh = v[5];
  g->sw = v[6]; g->ph = v[7]; g->pw = v[8]; g->oh = v[9]; g->ow = v[10];
  if (g->planes < 0 || g->h < 1 || g->w < 1 || g->kh < 1 || g->kw < 1 || g->sh < 1 ||
      g->sw < 1 || g->ph < 0 || g->pw < 0 || g->oh < 0 || g->ow < 0 ||
      (double)g->planes * g->h * g->w > 2147483647.0)
    fail(c, "gradscope native: maxPool2d geometry out of range");
}

/* maxPool2dForward(x, y, arg, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow) */
static napi_value js_maxpool_fwd(napi_env env, napi_callback_info info) {
  BEGIN(14, 1)
  gs_pool g;
  pool_of(c, 3, &g);
  if (c->failed) return NULL;
  long out = g.planes * g.oh * g.ow;
  void *x = arr(c, 0, 0, g.planes * g.h * g.w, 0), *y = arr(c, 1, 0, out, 0);
  int32_t *a = int32_arr(c, 2, out, "maxPool2d's arg");
  DISPATCH(gs_maxpool_fwd_f32(x, &g, y, a), gs_maxpool_fwd_f64(x, &g, y, a))
}

/* maxPool2dBackward(gy, arg, dx, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow) */
static napi_value js_maxpool_bwd(napi_env env, napi_callback_info info) {
  BEGIN(14, 2)
  gs_pool g;
  pool_of(c, 3, &g);
  if (c->failed) return NULL;
  long out = g.planes * g.oh * g.ow;
  void *gy = arr(c, 0, 0, out, 0), *dx = arr(c, 2, 0, g.planes * g.h * g.w, 0);
  int32_t *a = int32_arr(c, 1, out, "maxPool2d's arg");
  if (c->failed) return NULL;
  long bad = c->f64 ? gs_maxpool_bwd_f64(gy, a, &g, dx) : gs_maxpool_bwd_f32(gy, a, &g, dx);
  if (bad) fail(c, "gradscope native: maxPool2dBackward: an arg index lies outside its plane");
  return NULL;
}

/* The monitor's statistics passes (monitor_stats.c), float32 data, float64 results. */
/* A Float64Array argument with at least `count` elements from `off` (the results of a float32
 * call), or NULL after a RangeError. */
static double *f64_out(ctx_t *c, size_t i, long off, long count) {
  bool is = false;
  napi_typedarray_type type = napi_float32_array;
  size_t length = 0;
  void *data = NULL;
  napi_is_typedarray(c->env, c->argv[i], &is);
  if (is) napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, NULL, NULL);
  if (!is || type != napi_float64_array || off < 0 || (size_t)(off + count) > length) {
    fail(c, "gradscope native: expected a Float64Array for the statistics");
    return NULL;
  }
  return (double *)data + off;
}

/* sumSquares(x, out, at): out[at] = Σx² of float32 x in Kernels.gradStats' order */
static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  BEGIN(3, 0)
  if (c->f64) fail(c, "gradscope native: sumSquares is float32-only");
  size_t len = 0;
  napi_get_typedarray_info(env, c->argv[0], NULL, &len, NULL, NULL, NULL);
  float *x = arr(c, 0, 0, (long)len, 0);
  double *out = f64_out(c, 1, lng(c, 2), 1);
  if (c->failed) return NULL;
  *out = gs_sum_squares_f32(x, (long)len);
  return NULL;
}

/* adamStats(p, g, m, v, coef, q, out): the fused Adam step of adam(p, …) that also copies p
 * before the step to q (≥ n elements) and writes the float32-order sums Σp², Σ(p − q)², Σq² to
 * out[0..2] */
static napi_value js_adam_stats(napi_env env, napi_callback_info info) {
  BEGIN(7, 0)
  if (c->f64) fail(c, "gradscope native: adamStats is float32-only");
  size_t len = 0;
  napi_get_typedarray_info(env, c->argv[1], NULL, &len, NULL, NULL, NULL);
  long n = (long)len;
  float *p = arr(c, 0, 0, n, 0), *g = arr(c, 1, 0, n, 0), *m = arr(c, 2, 0, n, 0);
  float *v = arr(c, 3, 0, n, 0), *coef = arr(c, 4, 0, 8, 0), *q = arr(c, 5, 0, n, 0);
  double *out = f64_out(c, 6, 0, 3);
  if (c->failed) return NULL;
  gs_adam_stats_f32(p, g, m, v, coef, n, q, out);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"im2col", NULL, js_im2col, NULL, NULL, NULL, napi_default, NULL},
      {"col2im", NULL, js_col2im, NULL, NULL, NULL, napi_default, NULL},
      {"linearForward", NULL, js_linear_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"linearBackward", NULL, js_linear_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dForward", NULL, js_conv_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackward", NULL, js_conv_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"rnnForward", NULL, js_rnn_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"rnnBackward", NULL, js_rnn_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"lstmGatesForward", NULL, js_lstm_gates_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"lstmGatesBackward", NULL, js_lstm_gates_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"gruGatesForward", NULL, js_gru_gates_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"gruGatesBackward", NULL, js_gru_gates_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropyForward", NULL, js_xent_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropyBackward", NULL, js_xent_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"poolStats", NULL, js_pool_stats, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool2dForward", NULL, js_maxpool_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool2dBackward", NULL, js_maxpool_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"geluForward", NULL, js_gelu_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"geluBackward", NULL, js_gelu_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormForward", NULL, js_layer_norm_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormBackward", NULL, js_layer_norm_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"attentionForward", NULL, js_attention_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, js_attention_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"adamStats", NULL, js_adam_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}
