// Float32 GEMM, C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions, for
// WebAssembly SIMD (f32x4).
//
// Structure (Goto/BLIS): k is cut into KC-deep slices and n into NC-wide blocks; op(B)'s KC×NC
// block is packed into 8-column micro-panels and op(A)'s MC×KC block into 5-row micro-panels,
// and a 5×8 register tile multiplies one A micro-panel by one B micro-panel.
//
// Why these choices (measured with V8 11.3/TurboFan, Node 20, on a Zen 3 EPYC; single-thread
// peak of mul+add f32x4 code here ~46–50 GFLOP/s natively):
// - The inner loop is bound by instruction count, not by the FP units: per depth step V8 emits
//   the loads, the mul/add pairs, two zero-extensions of the i32 addresses (movl), two pointer
//   increments, a stack/interrupt check and the loop branch (~8 non-FP instructions; seen with
//   --print-wasm-code). So the tile should be as big as the registers allow.
// - 5×8 tile: 10 f32x4 accumulators + 2 B vectors + 1 A vector + 1 product = 14 registers; V8
//   keeps xmm15 as scratch, so 15 is the limit: 5×8 compiles without spills, 6×8 (16) spills.
//   5×8 runs 36 instructions per 80 flops against 30 per 64 for 4×8: +3–5% (37–38 GFLOP/s at
//   N = 256–1024 against 36).
// - A is packed pre-broadcast (each value stored 4 times) so that each A vector is one plain
//   v128.load with a constant offset; v128.load32_splat from a plain panel measured ~8% slower.
// - One depth step per loop iteration: a 2× unrolled loop (a break between the halves, so that
//   TurboFan cannot hoist all 12 loads above the accumulators and spill) drops the instruction
//   count by 7% yet measured 10% slower.
// - KC = 256, MC = 30, NC = 512: KC 192–384, MC 20–40, NC 256–1024 and an ir-outer loop order
//   (A micro-panel in L1, B block from L2) all measured within ±3% of each other at N = 128–1024
//   and on the MLP shapes; there is no drop at N = 1024 with in-memory operands (36–38 GFLOP/s
//   at 512 and at 1024). NC = 512 halves the per-thread workspace.
// - Strided operands (op(A) of Aᵀ·B, op(B) of A·B) are packed PB = 16 depth steps at a time
//   across all micro-panels, so that the source rows stay in L1 instead of being fetched again
//   for each panel. Measured Aᵀ·B at N = 512 / 1024: 29 / 30 → 36 / 32–34 GFLOP/s while other
//   processes shared the L3, 38 / 37 → 38 / 38 on a quieter machine, like A·B and A·Bᵀ there.
//   A·Bᵀ's B rows are contiguous along the depth and are transposed 4×4 in registers.
// - Edges: the packed panels are zero-padded, the micro-kernel always computes a full 5×8 tile,
//   and only the write-back is clipped (through a 5×8 scratch tile).
// - Leading dimensions (lda, ldb, ldc) let a caller hand a sub-block of the problem to another
//   thread by pointer arithmetic alone; every call packs into its own `work` area.

/** Rows of the register tile. */
const MR: i32 = 5;
/** Columns of the register tile (two f32x4). */
const NR: i32 = 8;
/** Depth of a packed slice: a B micro-panel (KC·NR·4 = 8 KiB) stays in L1. */
const KC: i32 = 256;
/** Rows of a packed A block (MC·KC·16 = 120 KiB pre-broadcast, a quarter of L2). */
const MC: i32 = 30;
/** Columns of a packed B block (KC·NC·4 = 512 KiB). */
const NC: i32 = 512;

/** Depth steps packed at a time across all micro-panels (see packA, packB). */
const PB: i32 = 16;

/** Bytes per packed A value (pre-broadcast v128). */
const AW: i32 = 16;

/** Bytes of scratch each concurrent gemmF32 call needs (packed A, packed B, one edge tile). */
export function gemmWorkBytes(): i32 {
  return MC * KC * AW + KC * NC * 4 + MR * NR * 4;
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row micro-panels, scaled by
// alpha, each value broadcast to 4 lanes: dst[(ir/MR)·kc·MR + p·MR + r] (a v128) =
// alpha · op(A)[i0+ir+r][p0+p], zero rows past mc.
function packA(
  transA: bool,
  a: usize,
  lda: i32,
  i0: i32,
  p0: i32,
  mc: i32,
  kc: i32,
  alpha: f32,
  dst: usize,
): void {
  // Byte strides of op(A) along a row step (sr) and a depth step (sp).
  const sr: usize = transA ? 4 : <usize>lda * 4;
  const sp: usize = transA ? <usize>lda * 4 : 4;
  if (transA) {
    // op(A)'s rows are A's columns: a depth step is a row of A, lda floats away. Walking one
    // micro-panel at a time would touch kc rows (kc cache lines, often 4 KiB apart and so in
    // one L1 set) for 5 floats each; instead take PB depth steps at a time across all the
    // micro-panels, so that the PB source rows stay in L1 while every panel takes its 5 floats.
    for (let pb: i32 = 0; pb < kc; pb += PB) {
      const pe = min(PB, kc - pb);
      for (let ir: i32 = 0; ir < mc; ir += MR) {
        const rows = min(MR, mc - ir);
        let d = dst + <usize>(ir * kc * AW) + <usize>(pb * MR * AW);
        let s = a + <usize>(p0 + pb) * sp + <usize>(i0 + ir) * 4;
        if (rows == MR) {
          for (let p: i32 = 0; p < pe; p++) {
            v128.store(d, f32x4.splat(alpha * load<f32>(s)));
            v128.store(d, f32x4.splat(alpha * load<f32>(s, 4)), 16);
            v128.store(d, f32x4.splat(alpha * load<f32>(s, 8)), 32);
            v128.store(d, f32x4.splat(alpha * load<f32>(s, 12)), 48);
            v128.store(d, f32x4.splat(alpha * load<f32>(s, 16)), 64);
            s += sp;
            d += MR * 16;
          }
        } else {
          for (let p: i32 = 0; p < pe; p++) {
            for (let r: i32 = 0; r < MR; r++) {
              const v: f32 = r < rows ? alpha * load<f32>(s + <usize>r * 4) : 0;
              v128.store(d + <usize>r * 16, f32x4.splat(v));
            }
            s += sp;
            d += MR * 16;
          }
        }
      }
    }
    return;
  }
  for (let ir: i32 = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    let d = dst + <usize>(ir * kc * AW);
    let s = a + <usize>(i0 + ir) * sr + <usize>p0 * sp;
    if (rows == MR) {
      for (let p: i32 = 0; p < kc; p++) {
        v128.store(d, f32x4.splat(alpha * load<f32>(s)));
        v128.store(d, f32x4.splat(alpha * load<f32>(s + sr)), 16);
        v128.store(d, f32x4.splat(alpha * load<f32>(s + 2 * sr)), 32);
        v128.store(d, f32x4.splat(alpha * load<f32>(s + 3 * sr)), 48);
        v128.store(d, f32x4.splat(alpha * load<f32>(s + 4 * sr)), 64);
        s += sp;
        d += MR * 16;
      }
    } else {
      for (let p: i32 = 0; p < kc; p++) {
        for (let r: i32 = 0; r < MR; r++) {
          const v: f32 = r < rows ? alpha * load<f32>(s + <usize>r * sr) : 0;
          v128.store(d + <usize>r * 16, f32x4.splat(v));
        }
        s += sp;
        d += MR * 16;
      }
    }
  }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column micro-panels:
// dst[(jr/NR)·kc·NR + p·NR + c] = op(B)[p0+p][j0+jr+c], zero columns past nc.
function packB(
  transB: bool,
  b: usize,
  ldb: i32,
  p0: i32,
  j0: i32,
  kc: i32,
  nc: i32,
  dst: usize,
): void {
  const stride = <usize>ldb * 4;
  if (!transB) {
    // A depth step is a row of B: one micro-panel at a time would read kc rows (ldb floats
    // apart) for 8 floats each and come back for the other half of every cache line with the
    // next panel; PB depth steps at a time across all the panels keep those rows in L1.
    for (let pb: i32 = 0; pb < kc; pb += PB) {
      const pe = min(PB, kc - pb);
      for (let jr: i32 = 0; jr < nc; jr += NR) {
        const cols = min(NR, nc - jr);
        let d = dst + <usize>(jr * kc) * 4 + <usize>(pb * NR) * 4;
        let s = b + (<usize>(p0 + pb) * <usize>ldb + <usize>(j0 + jr)) * 4;
        if (cols == NR) {
          for (let p: i32 = 0; p < pe; p++) {
            v128.store(d, v128.load(s));
            v128.store(d, v128.load(s, 16), 16);
            s += stride;
            d += 32;
          }
        } else {
          for (let p: i32 = 0; p < pe; p++) {
            for (let c: i32 = 0; c < NR; c++) {
              store<f32>(d + <usize>c * 4, c < cols ? load<f32>(s + <usize>c * 4) : 0);
            }
            s += stride;
            d += 32;
          }
        }
      }
    }
    return;
  }
  for (let jr: i32 = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let d = dst + <usize>(jr * kc) * 4;
    // op(B)[p][j] = B[j·ldb + p]: each of the 8 columns is a contiguous row of B, so 4×4
    // transposes turn 4 row vectors into 4 depth steps.
    const s0 = b + (<usize>(j0 + jr) * <usize>ldb + <usize>p0) * 4;
    if (cols == NR) {
      let p: i32 = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p * 4;
        for (let h: i32 = 0; h < 2; h++) {
          const base = s0 + <usize>(h * 4) * stride + off;
          const r0 = v128.load(base);
          const r1 = v128.load(base + stride);
          const r2 = v128.load(base + 2 * stride);
          const r3 = v128.load(base + 3 * stride);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const dh = d + <usize>h * 16;
          v128.store(dh, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dh, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(dh, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(dh, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
        d += 128;
      }
      for (; p < kc; p++) {
        for (let c: i32 = 0; c < NR; c++) {
          store<f32>(d + <usize>c * 4, load<f32>(s0 + <usize>c * stride + <usize>p * 4));
        }
        d += 32;
      }
    } else {
      for (let p: i32 = 0; p < kc; p++) {
        for (let c: i32 = 0; c < NR; c++) {
          store<f32>(
            d + <usize>c * 4,
            c < cols ? load<f32>(s0 + <usize>c * stride + <usize>p * 4) : 0,
          );
        }
        d += 32;
      }
    }
  }
}

// Writes one accumulator row (8 floats) to C. mode 0: C = acc (C is not read, so NaN or Inf
// already in C does not leak when beta is 0, as in BLAS); mode 1: C += acc; mode 2:
// C = beta·C + acc.
function storeRow(c: usize, lo: v128, hi: v128, beta: f32, mode: i32): void {
  if (mode == 0) {
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else if (mode == 1) {
    v128.store(c, f32x4.add(v128.load(c), lo));
    v128.store(c, f32x4.add(v128.load(c, 16), hi), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(v128.load(c), vb), lo));
    v128.store(c, f32x4.add(f32x4.mul(v128.load(c, 16), vb), hi), 16);
  }
}

// The 5×8 register tile: acc = Σ_p pa[p][0..5] ⊗ pb[p][0..8], then C (ldc floats per row)
// receives it according to `mode` (see storeRow). Partial tiles go through `tile`.
function microKernel(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  beta: f32,
  mode: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  const pEnd = pb + <usize>kc * 32;
  while (pb < pEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load(pa, 16);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load(pa, 32);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load(pa, 48);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    av = v128.load(pa, 64);
    c40 = f32x4.add(c40, f32x4.mul(av, b0));
    c41 = f32x4.add(c41, f32x4.mul(av, b1));
    pa += 80;
    pb += 32;
  }
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, beta, mode);
    storeRow(c + ld, c10, c11, beta, mode);
    storeRow(c + 2 * ld, c20, c21, beta, mode);
    storeRow(c + 3 * ld, c30, c31, beta, mode);
    storeRow(c + 4 * ld, c40, c41, beta, mode);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
  for (let r: i32 = 0; r < rows; r++) {
    const cr = c + <usize>r * ld;
    const tr = tile + <usize>(r * NR) * 4;
    for (let j: i32 = 0; j < cols; j++) {
      const o = <usize>j * 4;
      const v = load<f32>(tr + o);
      if (mode == 0) store<f32>(cr + o, v);
      else if (mode == 1) store<f32>(cr + o, load<f32>(cr + o) + v);
      else store<f32>(cr + o, beta * load<f32>(cr + o) + v);
    }
  }
}

// C = beta·C over an m×n block with row stride ldc (beta 0 writes zeros without reading C).
function scaleC(c: usize, m: i32, n: i32, ldc: i32, beta: f32): void {
  if (beta == 1) return;
  const vb = f32x4.splat(beta);
  for (let i: i32 = 0; i < m; i++) {
    const row = c + <usize>i * <usize>ldc * 4;
    if (beta == 0) {
      memory.fill(row, 0, <usize>n * 4);
      continue;
    }
    let j: i32 = 0;
    for (; j + 4 <= n; j += 4) {
      const p = row + <usize>j * 4;
      v128.store(p, f32x4.mul(v128.load(p), vb));
    }
    for (; j < n; j++) {
      const p = row + <usize>j * 4;
      store<f32>(p, beta * load<f32>(p));
    }
  }
}

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C on float32 data already in linear memory (byte
 * addresses), row-major with leading dimensions in floats: op(A) is m×k (A stored m×k with row
 * stride lda, or k×m when transA), op(B) is k×n (B stored k×n with row stride ldb, or n×k when
 * transB), C has row stride ldc. `work` must hold gemmWorkBytes() bytes, 16-byte aligned, and
 * belong to this call alone. beta = 0 means C is not read; alpha = 0 or k = 0 means A and B are
 * not read.
 */
export function gemmF32(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleC(c, m, n, ldc, beta);
    return;
  }
  const packedA = work;
  const packedB = work + <usize>(MC * KC * AW);
  const tile = packedB + <usize>(KC * NC) * 4;
  const ta = transA != 0;
  const tb = transB != 0;
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(tb, b, ldb, pc, jc, kc, nc, packedB);
      // The first depth slice applies beta; later slices accumulate onto it.
      const mode: i32 = pc > 0 || beta == 1 ? 1 : beta == 0 ? 0 : 2;
      multiplyBlock(
        ta,
        a,
        lda,
        m,
        pc,
        kc,
        nc,
        alpha,
        packedA,
        packedB,
        c + <usize>jc * 4,
        ldc,
        beta,
        mode,
        tile,
      );
    }
  }
}

// C[0..m)×[0..nc) (row stride ldc) receives op(A)[0..m)×[pc, pc+kc) times one packed KC×NC
// block of op(B) (see packB), according to `mode` (see storeRow): op(A) is packed MC rows at a
// time into `packedA`, and the 5×8 tiles run over the block.
function multiplyBlock(
  ta: bool,
  a: usize,
  lda: i32,
  m: i32,
  pc: i32,
  kc: i32,
  nc: i32,
  alpha: f32,
  packedA: usize,
  packedB: usize,
  c: usize,
  ldc: i32,
  beta: f32,
  mode: i32,
  tile: usize,
): void {
  for (let ic: i32 = 0; ic < m; ic += MC) {
    const mc = min(MC, m - ic);
    packA(ta, a, lda, ic, pc, mc, kc, alpha, packedA);
    const cBlock = c + <usize>ic * <usize>ldc * 4;
    for (let jr: i32 = 0; jr < nc; jr += NR) {
      const cols = min(NR, nc - jr);
      const pb = packedB + <usize>(jr * kc) * 4;
      const cCol = cBlock + <usize>jr * 4;
      for (let ir: i32 = 0; ir < mc; ir += MR) {
        microKernel(
          kc,
          packedA + <usize>(ir * kc * AW),
          pb,
          cCol + <usize>ir * <usize>ldc * 4,
          ldc,
          min(MR, mc - ir),
          cols,
          beta,
          mode,
          tile,
        );
      }
    }
  }
}

/** Bytes that packBAllF32 writes for a k×n op(B): every KC×NC block, zero-padded to whole panels. */
export function packedBBytes(k: i32, n: i32): i32 {
  return k * (((n + NR - 1) / NR) * NR) * 4;
}

/**
 * Packs all of op(B) (k×n; B stored k×n with row stride ldb, or n×k when transB) at `dst`
 * (packedBBytes(k, n) bytes, 16-byte aligned), block after block in the order gemmF32 packs
 * them, so that gemmPackedBF32 can multiply many A matrices by the same B without packing it
 * again (a recurrent layer multiplies every time step by the same W_hh).
 */
export function packBAllF32(transB: i32, b: usize, ldb: i32, k: i32, n: i32, dst: usize): void {
  let d = dst;
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(transB != 0, b, ldb, pc, jc, kc, nc, d);
      d += <usize>(kc * (((nc + NR - 1) / NR) * NR)) * 4;
    }
  }
}

/**
 * gemmF32 with alpha = 1 and op(B) already packed by packBAllF32(·, ·, ·, k, n, packed): the
 * same blocks, tiles and summation order, so the same bits as gemmF32 on the unpacked B.
 * `work` as for gemmF32.
 */
export function gemmPackedBF32(
  transA: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  packed: usize,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleC(c, m, n, ldc, beta);
    return;
  }
  const packedA = work;
  const tile = work + <usize>(MC * KC * AW) + <usize>(KC * NC) * 4;
  let pb = packed;
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const mode: i32 = pc > 0 || beta == 1 ? 1 : beta == 0 ? 0 : 2;
      multiplyBlock(
        transA != 0,
        a,
        lda,
        m,
        pc,
        kc,
        nc,
        1,
        packedA,
        pb,
        c + <usize>jc * 4,
        ldc,
        beta,
        mode,
        tile,
      );
      pb += <usize>(kc * (((nc + NR - 1) / NR) * NR)) * 4;
    }
  }
}
