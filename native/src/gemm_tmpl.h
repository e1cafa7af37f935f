/* The GEMM driver for one dtype (included by gemm.c with T, S, MR, NR, MC, KC, NC defined):
 * BLIS-style loops (NC columns of op(B) → KC-deep slice packed → MC rows of op(A) packed →
 * MR×NR register tiles), after K. Goto and R. van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 34(3), 2008, and F. Van Zee and R. van de Geijn, "BLIS", ACM TOMS
 * 41(3), 2015. Every element of C is the same sequence of operations wherever its tile lies
 * (edge tiles are computed whole from zero-padded panels and clipped), so the partition of C
 * over threads never changes a bit. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)

/* pa[panel][p][i] = op(A)[i0 + panel·MR + i, p], zero rows past m. */
static void FN(pack_a_)(long mc, long kc, const T *a, long sai, long sap, T *pa) {
  for (long ir = 0; ir < mc; ir += MR) {
    long mr = mc - ir < MR ? mc - ir : MR;
    const T *src = a + ir * sai;
    if (sap == 1) {
      for (long i = 0; i < mr; i++)
        for (long p = 0; p < kc; p++) pa[p * MR + i] = src[i * sai + p];
    } else {
      for (long p = 0; p < kc; p++)
        for (long i = 0; i < mr; i++) pa[p * MR + i] = src[i * sai + p * sap];
    }
    for (long i = mr; i < MR; i++)
      for (long p = 0; p < kc; p++) pa[p * MR + i] = 0;
    pa += MR * kc;
  }
}

/* pb[panel][p][j] = op(B)[p, j0 + panel·NR + j], zero columns past n. */
static void FN(pack_b_)(long kc, long nc, const T *b, long sbp, long sbj, T *pb) {
  for (long jr = 0; jr < nc; jr += NR) {
    long nr = nc - jr < NR ? nc - jr : NR;
    const T *src = b + jr * sbj;
    if (sbj == 1) {
      for (long p = 0; p < kc; p++) {
        long j = 0;
        for (; j < nr; j++) pb[p * NR + j] = src[p * sbp + j];
        for (; j < NR; j++) pb[p * NR + j] = 0;
      }
    } else {
      for (long j = 0; j < nr; j++)
        for (long p = 0; p < kc; p++) pb[p * NR + j] = src[j * sbj + p * sbp];
      for (long j = nr; j < NR; j++)
        for (long p = 0; p < kc; p++) pb[p * NR + j] = 0;
    }
    pb += NR * kc;
  }
}

/* The scalar micro-kernel (CPUs without AVX2+FMA): the same tile, separate multiply and add. */
static void FN(ukr_scalar_)(long kc, const T *pa, const T *pb, T *tile) {
  T acc[MR * NR];
  for (int e = 0; e < MR * NR; e++) acc[e] = 0;
  for (long p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      T av = pa[i];
      for (int j = 0; j < NR; j++) acc[i * NR + j] += av * pb[j];
    }
    pa += MR;
    pb += NR;
  }
  for (int e = 0; e < MR * NR; e++) tile[e] = acc[e];
}

/* C tile (mr×nr of it) ← first ? beta·C + alpha·acc : C + alpha·acc (beta = 0: C not read). */
static void FN(update_)(T *c, long ldc, long mr, long nr, const T *tile, T alpha, T beta,
                        int first) {
  for (long i = 0; i < mr; i++) {
    T *ci = c + i * ldc;
    const T *ti = tile + i * NR;
    if (!first || beta == 1) {
      if (alpha == 1)
        for (long j = 0; j < nr; j++) ci[j] = ci[j] + ti[j];
      else
        for (long j = 0; j < nr; j++) ci[j] = ci[j] + alpha * ti[j];
    } else if (beta == 0) {
      for (long j = 0; j < nr; j++) ci[j] = alpha * ti[j];
    } else {
      for (long j = 0; j < nr; j++) ci[j] = beta * ci[j] + alpha * ti[j];
    }
  }
}

static int FN(serial_)(long m, long n, long k, T alpha, const T *a, long sai, long sap,
                       const T *b, long sbp, long sbj, T beta, T *c, long ldc) {
  T *pa = (T *)gs_scratch(0, sizeof(T) * MC * KC);
  T *pb = (T *)gs_scratch(1, sizeof(T) * KC * (NC + NR));
  if (pa == NULL || pb == NULL) return -1;
  T tile[MR * NR] __attribute__((aligned(64)));
  void (*ukr)(long, const T *, const T *, T *) =
      gs_isa() == GS_ISA_AVX2_FMA ? FN(ukr_avx2_) : FN(ukr_scalar_);
  for (long jc = 0; jc < n; jc += NC) {
    long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += KC) {
      long kc = k - pc < KC ? k - pc : KC;
      int first = pc == 0;
      FN(pack_b_)(kc, nc, b + pc * sbp + jc * sbj, sbp, sbj, pb);
      for (long ic = 0; ic < m; ic += MC) {
        long mc = m - ic < MC ? m - ic : MC;
        FN(pack_a_)(mc, kc, a + ic * sai + pc * sap, sai, sap, pa);
        for (long jr = 0; jr < nc; jr += NR) {
          long nr = nc - jr < NR ? nc - jr : NR;
          for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            ukr(kc, pa + ir * kc, pb + jr * kc, tile);
            FN(update_)(c + (ic + ir) * ldc + jc + jr, ldc, mr, nr, tile, alpha, beta, first);
          }
        }
      }
    }
  }
  return 0;
}

typedef struct {
  long m, n, k, sai, sap, sbp, sbj;
  T alpha, beta;
  const T *a, *b;
  T *c;
  int byCols;
  long chunk;
} FN(job_);

static void FN(part_)(void *ctx, int t, int nth) {
  (void)nth;
  FN(job_) *j = (FN(job_) *)ctx;
  long lo = t * j->chunk;
  long total = j->byCols ? j->n : j->m;
  if (lo >= total) return;
  long len = total - lo < j->chunk ? total - lo : j->chunk;
  if (j->byCols)
    FN(serial_)(j->m, len, j->k, j->alpha, j->a, j->sai, j->sap, j->b + lo * j->sbj, j->sbp,
                j->sbj, j->beta, j->c + lo, j->n);
  else
    FN(serial_)(len, j->n, j->k, j->alpha, j->a + lo * j->sai, j->sai, j->sap, j->b, j->sbp,
                j->sbj, j->beta, j->c + lo * j->n, j->n);
}

void FN(gs_gemm_)(int transA, int transB, long m, long n, long k, double alpha, const T *a,
                  const T *b, double beta, T *c) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0) {
    /* C = beta·C (beta = 0: zeros, C not read) */
    T bt = (T)beta;
    for (long e = 0; e < m * n; e++) c[e] = bt == 0 ? 0 : bt == 1 ? c[e] : bt * c[e];
    return;
  }
  FN(job_) j = {m, n, k, transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1,
                (T)alpha, (T)beta, a, b, c, 0, 0};
  int nth = gs_threads();
  double work = (double)m * (double)n * (double)k;
  if (work < GS_PARALLEL_MIN_WORK) nth = 1;
  j.byCols = n >= m;
  long unit = j.byCols ? NR : MR;
  long total = j.byCols ? n : m;
  long units = (total + unit - 1) / unit;
  if (nth > units) nth = (int)units;
  if (nth < 1) nth = 1;
  j.chunk = ((units + nth - 1) / nth) * unit;
  if (nth == 1) {
    j.chunk = total;
    FN(part_)(&j, 0, 1);
  } else {
    gs_run(FN(part_), &j, nth);
  }
}
#undef FN
#undef CAT
#undef CAT_
