// Float32 GEMM, C = alpha·op(A)·op(B) + beta·C, row-major, for WebAssembly SIMD (f32x4).
//
// Structure (Goto/BLIS): k is cut into KC-deep slices and n into NC-wide blocks; op(B)'s KC×NC
// block is packed into 8-column micro-panels and op(A)'s MC×KC block into 4-row micro-panels,
// and a 4×8 register tile multiplies one A micro-panel by one B micro-panel.
//
// Why these choices (measured with V8/TurboFan on x64, see the engine issue note):
// - 4×8 tile: 8 f32x4 accumulators + 2 B vectors + 1 A vector + 1 product = 12 of the 16 xmm
//   registers. A 6×8 tile needs 15 and V8's register allocator spills.
// - A is packed pre-broadcast (each value stored 4 times). V8 does not fold the constant offset
//   of v128.load32_splat into the address (it emits one extra lea per broadcast), while a plain
//   v128.load with an offset is a single instruction; the packed A block is 4× bigger, so MC is
//   small (32) for it to stay in L2.
// - One depth step per loop iteration: TurboFan hoists all loads of a basic block to its top,
//   so unrolling the k loop puts 12 loaded vectors next to the 8 accumulators and spills.
// - Edges: the packed panels are zero-padded, the micro-kernel always computes a full 4×8 tile,
//   and only the write-back is clipped (through a 4×8 scratch tile).

/** Rows of the register tile. */
const MR: i32 = 4;
/** Columns of the register tile (two f32x4). */
const NR: i32 = 8;
/** Depth of a packed slice: a B micro-panel (KC·NR·4 = 8 KiB) stays in L1. */
const KC: i32 = 256;
/**
 * Rows of a packed A block (MC·KC·16 = 128 KiB pre-broadcast, half of L2). 64 rows (256 KiB)
 * measured ~15% slower at N ≥ 512 (B micro-panels streaming through L2 evict A), equal below.
 */
const MC: i32 = 32;
/** Columns of a packed B block (KC·NC·4 = 1 MiB). */
const NC: i32 = 1024;

/** Bytes of scratch the caller must provide to gemmF32 (packed A, packed B, one edge tile). */
export function gemmWorkBytes(): i32 {
  return (MC * KC * 4 + KC * NC + MR * NR) * 4;
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row micro-panels, each value
// broadcast to 4 lanes: dst[(ir/MR)·kc·MR + p·MR + r] (a v128) = alpha · op(A)[i0+ir+r][p0+p],
// zero rows past mc.
function packA(
  transA: bool,
  a: usize,
  m: i32,
  k: i32,
  i0: i32,
  p0: i32,
  mc: i32,
  kc: i32,
  alpha: f32,
  dst: usize,
): void {
  // Byte strides of op(A) along a row step (sr) and a depth step (sp).
  const sr: usize = transA ? 4 : <usize>k * 4;
  const sp: usize = transA ? <usize>m * 4 : 4;
  for (let ir: i32 = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    let d = dst + <usize>(ir * kc) * 16;
    let s = a + <usize>(i0 + ir) * sr + <usize>p0 * sp;
    if (rows == MR) {
      for (let p: i32 = 0; p < kc; p++) {
        v128.store(d, f32x4.splat(alpha * load<f32>(s)));
        v128.store(d, f32x4.splat(alpha * load<f32>(s + sr)), 16);
        v128.store(d, f32x4.splat(alpha * load<f32>(s + 2 * sr)), 32);
        v128.store(d, f32x4.splat(alpha * load<f32>(s + 3 * sr)), 48);
        s += sp;
        d += 64;
      }
    } else {
      for (let p: i32 = 0; p < kc; p++) {
        for (let r: i32 = 0; r < MR; r++) {
          const v: f32 = r < rows ? alpha * load<f32>(s + <usize>r * sr) : 0;
          v128.store(d + <usize>r * 16, f32x4.splat(v));
        }
        s += sp;
        d += 64;
      }
    }
  }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column micro-panels:
// dst[(jr/NR)·kc·NR + p·NR + c] = op(B)[p0+p][j0+jr+c], zero columns past nc.
function packB(
  transB: bool,
  b: usize,
  k: i32,
  n: i32,
  p0: i32,
  j0: i32,
  kc: i32,
  nc: i32,
  dst: usize,
): void {
  for (let jr: i32 = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let d = dst + <usize>(jr * kc) * 4;
    if (!transB) {
      // op(B)[p][j] = B[p·n + j]: 8 adjacent floats per depth step.
      let s = b + (<usize>p0 * <usize>n + <usize>(j0 + jr)) * 4;
      const stride = <usize>n * 4;
      if (cols == NR) {
        for (let p: i32 = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += stride;
          d += 32;
        }
      } else {
        for (let p: i32 = 0; p < kc; p++) {
          for (let c: i32 = 0; c < NR; c++) {
            store<f32>(d + <usize>c * 4, c < cols ? load<f32>(s + <usize>c * 4) : 0);
          }
          s += stride;
          d += 32;
        }
      }
    } else {
      // op(B)[p][j] = B[j·k + p]: each of the 8 columns is a contiguous row of B, so 4×4
      // transposes turn 4 row vectors into 4 depth steps.
      const stride = <usize>k * 4;
      const s0 = b + (<usize>(j0 + jr) * <usize>k + <usize>p0) * 4;
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

// The 4×8 register tile: acc = Σ_p pa[p][0..4] ⊗ pb[p][0..8], then C (ldc floats per row)
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
    pa += 64;
    pb += 32;
  }
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, beta, mode);
    storeRow(c + ld, c10, c11, beta, mode);
    storeRow(c + 2 * ld, c20, c21, beta, mode);
    storeRow(c + 3 * ld, c30, c31, beta, mode);
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

// C = beta·C over `count` floats (beta 0 writes zeros without reading C).
function scaleC(c: usize, count: usize, beta: f32): void {
  if (beta == 1) return;
  if (beta == 0) {
    memory.fill(c, 0, count * 4);
    return;
  }
  const vb = f32x4.splat(beta);
  let i: usize = 0;
  for (; i + 4 <= count; i += 4) v128.store(c + i * 4, f32x4.mul(v128.load(c + i * 4), vb));
  for (; i < count; i++) store<f32>(c + i * 4, beta * load<f32>(c + i * 4));
}

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C on float32 data already in linear memory (byte
 * addresses). op(A) is m×k (A stored m×k, or k×m when transA), op(B) is k×n (B stored k×n, or
 * n×k when transB). `work` must hold gemmWorkBytes() bytes, 16-byte aligned. beta = 0 means
 * C is not read; alpha = 0 or k = 0 means A and B are not read.
 */
export function gemmF32(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  b: usize,
  beta: f32,
  c: usize,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleC(c, <usize>m * <usize>n, beta);
    return;
  }
  const packedA = work;
  const packedB = work + <usize>(MC * KC) * 16;
  const tile = packedB + <usize>(KC * NC) * 4;
  const ta = transA != 0;
  const tb = transB != 0;
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(tb, b, k, n, pc, jc, kc, nc, packedB);
      // The first depth slice applies beta; later slices accumulate onto it.
      const mode: i32 = pc > 0 || beta == 1 ? 1 : beta == 0 ? 0 : 2;
      for (let ic: i32 = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(ta, a, m, k, ic, pc, mc, kc, alpha, packedA);
        for (let jr: i32 = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = packedB + <usize>(jr * kc) * 4;
          const cBase = c + (<usize>ic * <usize>n + <usize>(jc + jr)) * 4;
          for (let ir: i32 = 0; ir < mc; ir += MR) {
            microKernel(
              kc,
              packedA + <usize>(ir * kc) * 16,
              pb,
              cBase + <usize>ir * <usize>n * 4,
              n,
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
  }
}
