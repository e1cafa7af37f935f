/* CPU detection, the thread pool and the scratch buffers of the native kernels. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "gs.h"

/* ---- CPU: AVX2+FMA (with the OS saving the YMM state: __builtin_cpu_supports checks XCR0). */
static int isa = -1;
int gs_isa(void) {
  if (isa < 0) {
    const char *force = getenv("GRADSCOPE_NATIVE_ISA");
    __builtin_cpu_init();
    isa = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? GS_ISA_AVX2_FMA
                                                                           : GS_ISA_SCALAR;
    if (force != NULL && strcmp(force, "scalar") == 0) isa = GS_ISA_SCALAR;
  }
  return isa;
}
const char *gs_isa_name(void) { return gs_isa() == GS_ISA_AVX2_FMA ? "AVX2+FMA" : "scalar"; }

/* ---- Scratch: per thread, per slot, grown on demand, never shrunk. */
static __thread void *scratch_p[4];
static __thread size_t scratch_n[4];
void *gs_scratch(int slot, size_t bytes) {
  if (bytes > scratch_n[slot]) {
    size_t cap = (bytes + 63) & ~(size_t)63;
    void *p = NULL;
    if (posix_memalign(&p, 64, cap) != 0) return NULL;
    free(scratch_p[slot]);
    scratch_p[slot] = p;
    scratch_n[slot] = cap;
  }
  return scratch_p[slot];
}

/* ---- The pool: workers 1..n-1 sleep on a condition variable between jobs; the caller is
 * thread 0. A job is (fn, ctx, nth); every part writes its own output tiles, so the result does
 * not depend on the number of threads. One job at a time: a second caller (another Node worker
 * thread that loaded the addon) runs its job alone on its own thread, with the same result. */
#define GS_MAX_THREADS 64
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static int started = 0;  /* workers running: ids 1..started */
static int wanted = 1;   /* the setting */
static long generation = 0;
static gs_task job_fn;
static void *job_ctx;
static int job_nth;
static int pending;

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  long seen = 0;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &mu);
    seen = generation;
    if (id < job_nth) {
      gs_task fn = job_fn;
      void *ctx = job_ctx;
      int nth = job_nth;
      pthread_mutex_unlock(&mu);
      fn(ctx, id, nth);
      pthread_mutex_lock(&mu);
      if (--pending == 0) pthread_cond_signal(&done_cv);
    }
  }
  return NULL;
}

void gs_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > GS_MAX_THREADS) n = GS_MAX_THREADS;
  wanted = n;
}
int gs_threads(void) { return wanted; }

void gs_run(gs_task fn, void *ctx, int nth) {
  if (nth > wanted) nth = wanted;
  if (nth <= 1 || pthread_mutex_trylock(&busy) != 0) {
    for (int t = 0; t < nth; t++) fn(ctx, t, nth); /* same parts, one after the other */
    return;
  }
  pthread_mutex_lock(&mu);
  while (started < nth - 1) {
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, worker, (void *)(intptr_t)(started + 1)) != 0) {
      pthread_attr_destroy(&at);
      break;
    }
    pthread_attr_destroy(&at);
    started++;
  }
  int workers = started < nth - 1 ? started : nth - 1;
  job_fn = fn;
  job_ctx = ctx;
  job_nth = nth;
  pending = workers;
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);
  fn(ctx, 0, nth);
  /* parts the missing workers would have run (thread creation failed): run them here */
  for (int t = workers + 1; t < nth; t++) fn(ctx, t, nth);
  pthread_mutex_lock(&mu);
  while (pending > 0) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&busy);
}
