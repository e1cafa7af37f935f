/* CPU detection, the thread pool and the scratch buffers of the native kernels. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>
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
static __thread void *scratch_p[GS_SCRATCH_SLOTS];
static __thread size_t scratch_n[GS_SCRATCH_SLOTS];
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

/* ---- The pool: workers 1..n-1, the caller is thread 0. A job is (fn, ctx, nth); every part
 * writes its own outputs, so the result does not depend on the number of threads. Between jobs
 * a worker spins for GS_SPIN_NS on the job counter (a step of a model calls the pool every few
 * microseconds; a futex wake-up costs tens of them), then sleeps on a condition variable. The
 * caller spins as long for the workers to finish, then sleeps. One job at a time: a second
 * caller (another Node worker thread that loaded the addon) runs its job alone on its thread,
 * with the same result. */
#define GS_MAX_THREADS 64
/* 5 ms (was 200 µs): a training step's JS between two pool jobs (autograd, the loss, the
 * optimizer's bookkeeping) often outlasts 200 µs, and then nearly every job started by waking a
 * sleeping worker (futex, cold caches). W1 (`npm run bench`, quiet machine, 2 threads): 437–560
 * steps/s with 200 µs, 595–695 with 3–20 ms; 100 ms was worse (the spinning worker competes with
 * V8's own threads). GNU OpenMP spins on the same order by default. GRADSCOPE_NATIVE_SPIN_US
 * overrides it. */
#define GS_SPIN_NS 5000000L
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static int started = 0; /* workers running: ids 1..started (changed under busy) */
static int wanted = 1;  /* the setting */
static atomic_long generation = 0;
static atomic_int sleepers = 0;
static atomic_int caller_sleeps = 0;
static long start_gen[GS_MAX_THREADS];
static gs_task job_fn;
static void *job_ctx;

/* GRADSCOPE_NATIVE_POOL_STATS=1: at exit, stderr gets the pool's counters (thread CPU time, so
 * that a busy machine does not distort them): jobs, the caller's CPU time in its parts and
 * waiting for the workers, and Σ max(0, worker part − caller part), to estimate the wall time
 * of a step on free cores as (caller CPU − waiting + imbalance). */
static int stats_on = -1;
static long st_jobs, st_part0, st_wait, st_imbalance, st_workers, st_wakes, st_wake_ns;
static atomic_long st_part1;
static long thread_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}
static void stats_print(void) {
  fprintf(stderr,
          "gradscope pool: %ld jobs, caller parts %.3f s, caller waiting %.3f s, imbalance %.3f s, "
          "worker parts %.3f s, %ld wake-ups of sleeping workers %.3f s\n",
          st_jobs, st_part0 / 1e9, st_wait / 1e9, st_imbalance / 1e9, st_workers / 1e9, st_wakes,
          st_wake_ns / 1e9);
}
static int stats(void) {
  if (stats_on < 0) {
    const char *e = getenv("GRADSCOPE_NATIVE_POOL_STATS");
    stats_on = e != NULL && strcmp(e, "1") == 0;
    if (stats_on) atexit(stats_print);
  }
  return stats_on;
}

/* The counters so far (GRADSCOPE_NATIVE_POOL_STATS=1; zeros otherwise), in ns: jobs, the
 * caller's parts, its waiting, the imbalance, the slowest worker's parts (summed over jobs), the
 * wake-ups of sleeping workers and the caller's time in them. */
void gs_pool_stats(double out[7]) {
  stats();
  out[0] = (double)st_jobs;
  out[1] = (double)st_part0;
  out[2] = (double)st_wait;
  out[3] = (double)st_imbalance;
  out[4] = (double)st_workers;
  out[5] = (double)st_wakes;
  out[6] = (double)st_wake_ns;
}

/* The spin before sleeping, in ns: GS_SPIN_NS, or GRADSCOPE_NATIVE_SPIN_US µs (read once). */
static long spin_limit = -1;
static long spin_ns(void) {
  if (spin_limit < 0) {
    const char *e = getenv("GRADSCOPE_NATIVE_SPIN_US");
    long us = e != NULL ? strtol(e, NULL, 10) : -1;
    spin_limit = us >= 0 && us <= 10000000L ? us * 1000L : GS_SPIN_NS;
  }
  return spin_limit;
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* ---- Parts are claimed, not assigned: the job's word `claim` holds (generation, nth, next part)
 * and every thread — the caller too — takes the next part with a compare-and-swap until none is
 * left. A part computes the same elements whoever runs it (and each thread's scratch is its own),
 * so the bits do not change; what changes is that a worker the OS has not scheduled yet (another
 * process on its core) no longer holds the job up: the caller runs its part instead of spinning
 * for it, and the step degrades to one thread's speed instead of to a scheduler time slice per
 * job. The caller waits for `done` == nth, never for a worker that claimed nothing. A worker that
 * wakes late sees another generation in the word and claims nothing; a claimed part's job
 * fields stay valid until that part is done (the next job is published only after). */
static atomic_ulong claim; /* generation << 16 | nth << 8 | next part */
static atomic_int done;    /* parts finished of the current job */
#define CLAIM_WORD(gen, nth, part) \
  (((unsigned long)(gen) << 16) | ((unsigned long)(nth) << 8) | (unsigned long)(part))

/* Runs parts of job `gen` while there are unclaimed ones; returns the CPU time spent in them when
 * the pool's counters are on (else 0). */
static long run_parts(long gen, int caller) {
  long spent = 0;
  unsigned long w = atomic_load(&claim);
  for (;;) {
    if ((w >> 16) != ((unsigned long)gen & 0xffffffffffffUL)) break;
    int nth = (int)((w >> 8) & 0xff), part = (int)(w & 0xff);
    if (part >= nth) break;
    if (!atomic_compare_exchange_weak(&claim, &w, w + 1)) continue; /* w reloaded */
    long t = stats_on == 1 ? thread_ns() : 0;
    job_fn(job_ctx, part, nth);
    if (stats_on == 1) spent += thread_ns() - t;
    if (atomic_fetch_add(&done, 1) + 1 == nth && !caller && atomic_load(&caller_sleeps)) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&done_cv);
      pthread_mutex_unlock(&mu);
    }
    w = atomic_load(&claim);
  }
  if (!caller && spent > 0) atomic_fetch_add(&st_part1, spent);
  return spent;
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
#ifdef __linux__
  pthread_setname_np(pthread_self(), "gradscope-pool");
#endif
  long seen = start_gen[id]; /* the counter before the job this worker was started for */
  for (;;) {
    long g = atomic_load(&generation);
    if (g == seen) {
      long t0 = now_ns();
      for (int spins = 0; (g = atomic_load(&generation)) == seen; spins++) {
        _mm_pause();
        if ((spins & 63) == 63 && now_ns() - t0 > spin_ns()) break;
      }
      if (g == seen) {
        pthread_mutex_lock(&mu);
        atomic_fetch_add(&sleepers, 1);
        while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &mu);
        atomic_fetch_sub(&sleepers, 1);
        pthread_mutex_unlock(&mu);
      }
    }
    seen = g;
    run_parts(g, 0);
  }
  return NULL;
}

void gs_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > GS_MAX_THREADS) n = GS_MAX_THREADS;
  spin_ns(); /* read the setting before any worker starts */
  wanted = n;
}
int gs_threads(void) { return wanted; }

/* The job of `nth` parts on up to `threads` threads (the caller and threads − 1 workers). */
static void run_job(gs_task fn, void *ctx, int nth, int threads) {
  if (threads <= 1 || pthread_mutex_trylock(&busy) != 0) {
    for (int t = 0; t < nth; t++) fn(ctx, t, nth); /* same parts, one after the other */
    return;
  }
  while (started < threads - 1) {
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    start_gen[started + 1] = atomic_load(&generation);
    if (pthread_create(&th, &at, worker, (void *)(intptr_t)(started + 1)) != 0) {
      pthread_attr_destroy(&at);
      break;
    }
    pthread_attr_destroy(&at);
    started++;
  }
  job_fn = fn;
  job_ctx = ctx;
  int st = stats();
  if (st) atomic_store(&st_part1, 0); /* before the job is published: a fast worker reports into it */
  long gen = atomic_load(&generation) + 1;
  atomic_store(&done, 0);
  atomic_store(&claim, CLAIM_WORD(gen, nth, 0));
  atomic_store(&generation, gen); /* publishes the job (sequentially consistent) */
  long c0 = st ? thread_ns() : 0;
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);
    if (st) {
      long c = thread_ns();
      st_wakes++;
      st_wake_ns += c - c0;
      c0 = c;
    }
  }
  run_parts(gen, 1); /* with no worker about, every part */
  long c1 = st ? thread_ns() : 0;
  long t0 = now_ns();
  for (int spins = 0; atomic_load(&done) < nth; spins++) {
    _mm_pause();
    if ((spins & 63) == 63 && now_ns() - t0 > spin_ns()) {
      pthread_mutex_lock(&mu);
      atomic_store(&caller_sleeps, 1);
      while (atomic_load(&done) < nth) pthread_cond_wait(&done_cv, &mu);
      atomic_store(&caller_sleeps, 0);
      pthread_mutex_unlock(&mu);
      break;
    }
  }
  if (st) {
    long c2 = thread_ns(), p1 = atomic_load(&st_part1);
    st_jobs++;
    st_part0 += c1 - c0;
    st_wait += c2 - c1;
    st_workers += p1;
    if (p1 > c1 - c0) st_imbalance += p1 - (c1 - c0);
  }
  pthread_mutex_unlock(&busy);
}

void gs_run(gs_task fn, void *ctx, int nth) {
  if (nth > wanted) nth = wanted;
  run_job(fn, ctx, nth, nth);
}

void gs_run_parts(gs_task fn, void *ctx, int parts) {
  if (parts > 255) parts = 255; /* the claim word's field */
  run_job(fn, ctx, parts, parts < wanted ? parts : wanted);
}

/* ---- Parallel loops over [0, n): contiguous chunks, multiples of `align`. */
typedef struct {
  gs_range_task fn;
  void *ctx;
  long n, chunk;
} range_job;

static void range_part(void *ctx, int t, int nth) {
  (void)nth;
  range_job *r = (range_job *)ctx;
  long lo = t * r->chunk, hi = lo + r->chunk < r->n ? lo + r->chunk : r->n;
  if (lo < hi) r->fn(r->ctx, lo, hi);
}

void gs_parallel_for(long n, long align, long minPerThread, gs_range_task fn, void *ctx) {
  int nth = gs_threads();
  if (align < 1) align = 1;
  long maxNth = n / (minPerThread > 0 ? minPerThread : 1);
  if (nth > maxNth) nth = (int)maxNth;
  if (nth <= 1) {
    if (n > 0) fn(ctx, 0, n);
    return;
  }
  long units = (n + align - 1) / align;
  if (nth > units) nth = (int)units;
  range_job r = {fn, ctx, n, ((units + nth - 1) / nth) * align};
  gs_run(range_part, &r, nth);
}
