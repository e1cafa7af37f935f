/* The serial GEMM of one dtype and one CPU path (included by gemm.c with T, S, V, MR, NR, MC,
 * KC, NC and UKR defined; PACK_A_FAST / PACK_B_FAST optional): BLIS-style loops (NC
 * columns of op(B) → KC-deep slice packed → MC rows of op(A) packed → MR×NR register tiles),
 * after K. Goto and R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM
 * TOMS 34(3), 2008, and F. Van Zee and R. van de Geijn, "BLIS", ACM TOMS 41(3), 2015. Every
 * element of C is the same sequence of operations wherever its tile lies (a sum from zero over
 * each KC-deep slice, in p order, then one update of C; edge tiles are computed whole from
 * zero-padded panels and clipped), so the partition of C over threads never changes a bit. */
#define CAT3_(a, b, c) a##b##_##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define FN(name) CAT3(name, V, S)

/* pa[panel][p][i] = op(A)[i0 + panel·MR + i, p], zero rows past m. */
static void FN(pack_a_)(long mc, long kc, const T *a, long sai, long sap, T *pa) {
#ifdef PACK_A_FAST
  if (PACK_A_FAST(mc, kc, a, sai, sap, pa)) return;
#endif
  for (long ir = 0; ir < mc; ir += MR) {
    long mr = mc - ir < MR ? mc - ir : MR;
    const T *src = a + ir * sai;
    for (long p = 0; p < kc; p++) {
      long i = 0;
      for (; i < mr; i++) pa[p * MR + i] = src[i * sai + p * sap];
      for (; i < MR; i++) pa[p * MR + i] = 0;
    }
    pa += MR * kc;
  }
}

/* pb[panel][p][j] = op(B)[p, j0 + panel·NR + j], zero columns past n. */
static void FN(pack_b_)(long kc, long nc, const T *b, long sbp, long sbj, T *pb) {
#ifdef PACK_B_FAST
  if (PACK_B_FAST(kc, nc, b, sbp, sbj, pb)) return;
#endif
  for (long jr = 0; jr < nc; jr += NR) {
    long nr = nc - jr < NR ? nc - jr : NR;
    const T *src = b + jr * sbj;
    for (long p = 0; p < kc; p++) {
      long j = 0;
      for (; j < nr; j++) pb[p * NR + j] = src[p * sbp + j * sbj];
      for (; j < NR; j++) pb[p * NR + j] = 0;
    }
    pb += NR * kc;
  }
}

/* C tile (mr×nr of it) ← first ? beta·C + alpha·acc : C + alpha·acc (beta = 0: C not read). */
#ifndef UKR_TILE
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
#endif

/* The update mode of a whole tile (UKR): 0 C = acc, 1 C = alpha·acc, 2 C = C + acc,
 * 3 C = C + alpha·acc, 4 C = beta·C + alpha·acc (the cases of update_, in its operations). */
static int FN(mode_)(T alpha, T beta, int first) {
  if (!first || beta == 1) return alpha == 1 ? 2 : 3;
  if (beta == 0) return alpha == 1 ? 0 : 1;
  return 4;
}

/* The epilogue (gs_epi) on an mr×nr block of C whose first element is C[row0, col0]. */
#ifndef UKR_TILE
static void FN(epi_)(T *c, long ldc, long mr, long nr, const gs_epi *e, long row0, long col0) {
  const T *bias = (const T *)e->bias;
  for (long i = 0; i < mr; i++) {
    T *ci = c + i * ldc;
    if (bias != NULL && e->biasPerRow) {
      T bv = bias[row0 + i];
      for (long j = 0; j < nr; j++) ci[j] = ci[j] + bv;
    } else if (bias != NULL) {
      const T *bj = bias + col0;
      for (long j = 0; j < nr; j++) ci[j] = ci[j] + bj[j];
    }
    if (e->relu)
      for (long j = 0; j < nr; j++) ci[j] = ci[j] < 0 ? 0 : ci[j];
  }
}
#endif

static int FN(serial_)(long m, long n, long k, T alpha, const T *a, long sai, long sap,
                       const T *b, long sbp, long sbj, T beta, T *c, long ldc,
                       const gs_epi *epi) {
  /* + 8 elements: the vector packers may store a few past the last panel */
  T *pa = (T *)gs_scratch(0, sizeof(T) * (MC * KC + 8));
  T *pb = (T *)gs_scratch(1, sizeof(T) * (KC * (NC + NR) + 8));
  if (pa == NULL || pb == NULL) return -1;
#ifndef UKR_TILE
  T tile[MR * NR] __attribute__((aligned(64)));
#endif
  for (long jc = 0; jc < n; jc += NC) {
    long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += KC) {
      long kc = k - pc < KC ? k - pc : KC;
      int first = pc == 0;
      int mode = FN(mode_)(alpha, beta, first);
      int last = pc + kc >= k;
      FN(pack_b_)(kc, nc, b + pc * sbp + jc * sbj, sbp, sbj, pb);
      for (long ic = 0; ic < m; ic += MC) {
        long mc = m - ic < MC ? m - ic : MC;
#ifdef UKR_TILE
        /* op(A) row-major (sap = 1) and A_DIRECT: the kernels read its rows in place, no packing */
        long lda = sap == 1 && A_DIRECT(m, n, k) ? sai : 0;
        const T *ad = a + ic * sai + pc;
        if (lda == 0)
#endif
          FN(pack_a_)(mc, kc, a + ic * sai + pc * sap, sai, sap, pa);
        for (long jr = 0; jr < nc; jr += NR) {
          long nr = nc - jr < NR ? nc - jr : NR;
          for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            T *ct = c + (ic + ir) * ldc + jc + jr;
#ifdef UKR_TILE
            /* whole packed tiles without the epilogue: the plain kernel (no call in between);
             * every other tile updated in place by UKR_TILE, with the epilogue fused */
            if (mr == MR && nr == NR && lda == 0 && !(last && epi != NULL))
              UKR(kc, pa + ir * kc, pb + jr * kc, ct, ldc, alpha, beta, mode);
            else
                UKR_TILE(kc, lda > 0 ? ad + ir * lda : pa + ir * kc, lda, pb + jr * kc, ct, ldc,
                       alpha, beta, mode, mr, nr, last ? epi : NULL, ic + ir, jc + jr);
#else
            if (mr == MR && nr == NR) {
              UKR(kc, pa + ir * kc, pb + jr * kc, ct, ldc, alpha, beta, mode);
            } else {
              UKR(kc, pa + ir * kc, pb + jr * kc, tile, NR, 1, 0, 0); /* tile = acc */
              FN(update_)(ct, ldc, mr, nr, tile, alpha, beta, first);
            }
            if (last && epi != NULL) FN(epi_)(ct, ldc, mr, nr, epi, ic + ir, jc + jr);
#endif
          }
        }
      }
    }
  }
  return 0;
}
#undef FN
#undef CAT3
#undef CAT3_
