/* The threaded GEMM entry of one dtype (included by gemm.c with T, S, MR, NR defined, after the
 * serial kernels serial_avx2_S and serial_gen_S): the pool's threads take column blocks (or row
 * blocks) of C, whole register tiles each, so the partition never changes a bit. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)

#ifndef GS_GEMM_PARTS_PER_THREAD
#define GS_GEMM_PARTS_PER_THREAD 4
#endif

typedef struct {
  long m, n, k, sai, sap, sbp, sbj;
  T alpha, beta;
  const T *a, *b;
  T *c;
  int byCols;
  long chunk;
  const gs_epi *epi;
} FN(job_);

int FN(gs_gemm_serial_)(long m, long n, long k, T alpha, const T *a, long sai, long sap,
                        const T *b, long sbp, long sbj, T beta, T *c, long ldc,
                        const gs_epi *epi) {
  return gs_isa() >= GS_ISA_AVX2_FMA
             ? FN(serial_avx2_)(m, n, k, alpha, a, sai, sap, b, sbp, sbj, beta, c, ldc, epi)
             : FN(serial_gen_)(m, n, k, alpha, a, sai, sap, b, sbp, sbj, beta, c, ldc, epi);
}

static void FN(part_)(void *ctx, int t, int nth) {
  (void)nth;
  FN(job_) *j = (FN(job_) *)ctx;
  long lo = t * j->chunk;
  long total = j->byCols ? j->n : j->m;
  if (lo >= total) return;
  long len = total - lo < j->chunk ? total - lo : j->chunk;
  /* the epilogue's bias, shifted to the block (per column: by columns; per row: by rows) */
  gs_epi e, *ep = NULL;
  if (j->epi != NULL) {
    e = *j->epi;
    if (e.bias != NULL && e.biasPerRow == !j->byCols) e.bias = (const T *)e.bias + lo;
    ep = &e;
  }
  if (j->byCols)
    FN(gs_gemm_serial_)(j->m, len, j->k, j->alpha, j->a, j->sai, j->sap, j->b + lo * j->sbj,
                        j->sbp, j->sbj, j->beta, j->c + lo, j->n, ep);
  else
    FN(gs_gemm_serial_)(len, j->n, j->k, j->alpha, j->a + lo * j->sai, j->sai, j->sap, j->b,
                        j->sbp, j->sbj, j->beta, j->c + lo * j->n, j->n, ep);
}

void FN(gs_gemm_)(int transA, int transB, long m, long n, long k, double alpha, const T *a,
                  const T *b, double beta, T *c) {
  FN(gs_gemm_epi_)(transA, transB, m, n, k, alpha, a, b, beta, c, NULL);
}

void FN(gs_gemm_epi_)(int transA, int transB, long m, long n, long k, double alpha, const T *a,
                      const T *b, double beta, T *c, const gs_epi *epi) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0) {
    /* C = beta·C (beta = 0: zeros, C not read) */
    T bt = (T)beta;
    for (long e = 0; e < m * n; e++) c[e] = bt == 0 ? 0 : bt == 1 ? c[e] : bt * c[e];
    if (epi != NULL) FN(epi_gen_)(c, n, m, n, epi, 0, 0);
    return;
  }
  FN(job_) j = {m, n, k, transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1,
                (T)alpha, (T)beta, a, b, c, 0, 0, epi};
  int nth = gs_threads();
  double work = (double)m * (double)n * (double)k;
  if (work < GS_PARALLEL_MIN_WORK) nth = 1;
  /* columns when n ≥ m (each thread then packs all of op(A), m·k, the smaller operand) and
   * there are tiles for every thread; else rows (each packs all of op(B)) */
  long colUnits = (n + NR - 1) / NR, rowUnits = (m + MR - 1) / MR;
  j.byCols = (n >= m && colUnits >= nth) || colUnits >= rowUnits;
  long unit = j.byCols ? NR : MR;
  long total = j.byCols ? n : m;
  long units = j.byCols ? colUnits : rowUnits;
  if (nth > units) nth = (int)units;
  if (nth < 1) nth = 1;
  /* Column blocks of C with op(A) row-major: GS_GEMM_PARTS_PER_THREAD blocks per thread,
   * claimed one at a time, so that a core that runs slower (another process or VM on it) takes
   * fewer. The parts cost no more than nth of them: op(A) is read in place once per column tile
   * either way (A_DIRECT; blocks this narrow always take that path when k ≥ 16) and each block
   * packs only its own columns of op(B). Not with op(A) transposed (each part would pack all of
   * it) nor by rows (each would pack all of op(B)). W1 on 2 threads, quiet machine: one core
   * was at times 35 % slower than the other, and the caller's half of every GEMM then set the
   * pace. Same bits: a tile's sums do not depend on the block it is in. */
  int parts = nth;
  if (nth > 1 && j.byCols && !transA && k >= 16) {
    long finer = (long)nth * GS_GEMM_PARTS_PER_THREAD;
    parts = (int)(finer < units ? finer : units);
  }
  j.chunk = ((units + parts - 1) / parts) * unit;
  if (nth == 1) {
    j.chunk = total;
    FN(part_)(&j, 0, 1);
  } else if (parts == nth) {
    gs_run(FN(part_), &j, nth);
  } else {
    gs_run_parts(FN(part_), &j, (int)((total + j.chunk - 1) / j.chunk));
  }
}
#undef FN
#undef CAT
#undef CAT_
