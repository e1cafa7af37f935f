// im2col / col2im for one or more NCHW images (float32), the layout that turns conv2d into a
// GEMM with a weight of shape [outChannels, channels·kh·kw]:
//   col[b][(c·kh + i)·kw + j][oy·outW + ox] = x[b][c][oy·sh − ph + i·dh][ox·sw − pw + j·dw]
// (zero outside the image). col2im is its adjoint: it adds every col entry back onto the pixel
// it was read from.

// For kernel column offset `off` = j·dw − pw, the output columns [lo, hi) read inside the image.
function colLo(off: i32, sw: i32): i32 {
  return off >= 0 ? 0 : (-off + sw - 1) / sw;
}
function colHi(off: i32, sw: i32, w: i32, outW: i32): i32 {
  const last = w - 1 - off;
  return last < 0 ? 0 : min(outW, last / sw + 1);
}

/** Writes `batch` column matrices (channels·kh·kw × outH·outW each) for `batch` images at x. */
export function im2colF32(
  x: usize,
  c: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  col: usize,
  batch: i32,
): void {
  const plane = <usize>(outH * outW) * 4;
  for (let bi: i32 = 0; bi < batch; bi++) {
    const xImg = x + <usize>bi * <usize>(c * h * w) * 4;
    let d = col + <usize>bi * <usize>(c * kh * kw) * plane;
    for (let ch: i32 = 0; ch < c; ch++) {
      const xc = xImg + <usize>(ch * h * w) * 4;
      for (let i: i32 = 0; i < kh; i++) {
        for (let j: i32 = 0; j < kw; j++) {
          const off = j * dw - pw;
          const lo = min(colLo(off, sw), outW);
          const hi = max(colHi(off, sw, w, outW), lo);
          for (let oy: i32 = 0; oy < outH; oy++) {
            const iy = oy * sh - ph + i * dh;
            const dr = d + <usize>(oy * outW) * 4;
            if (iy < 0 || iy >= h) {
              memory.fill(dr, 0, <usize>outW * 4);
              continue;
            }
            if (lo > 0) memory.fill(dr, 0, <usize>lo * 4);
            if (hi < outW) memory.fill(dr + <usize>hi * 4, 0, <usize>(outW - hi) * 4);
            const src = xc + <usize>(iy * w + lo * sw + off) * 4;
            if (sw == 1) {
              memory.copy(dr + <usize>lo * 4, src, <usize>(hi - lo) * 4);
            } else {
              let s = src;
              const step = <usize>sw * 4;
              for (let ox = lo; ox < hi; ox++) {
                store<f32>(dr + <usize>ox * 4, load<f32>(s));
                s += step;
              }
            }
          }
          d += plane;
        }
      }
    }
  }
}

/** Adds `batch` column matrices back onto `batch` images at x (the adjoint of im2colF32). */
export function col2imF32(
  col: usize,
  c: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  x: usize,
  batch: i32,
): void {
  const plane = <usize>(outH * outW) * 4;
  for (let bi: i32 = 0; bi < batch; bi++) {
    const xImg = x + <usize>bi * <usize>(c * h * w) * 4;
    let s = col + <usize>bi * <usize>(c * kh * kw) * plane;
    for (let ch: i32 = 0; ch < c; ch++) {
      const xc = xImg + <usize>(ch * h * w) * 4;
      for (let i: i32 = 0; i < kh; i++) {
        for (let j: i32 = 0; j < kw; j++) {
          const off = j * dw - pw;
          const lo = min(colLo(off, sw), outW);
          const hi = max(colHi(off, sw, w, outW), lo);
          for (let oy: i32 = 0; oy < outH; oy++) {
            const iy = oy * sh - ph + i * dh;
            if (iy < 0 || iy >= h) continue;
            const sr = s + <usize>(oy * outW) * 4;
            let dst = xc + <usize>(iy * w + lo * sw + off) * 4;
            if (sw == 1) {
              let ox = lo;
              for (; ox + 4 <= hi; ox += 4) {
                v128.store(dst, f32x4.add(v128.load(dst), v128.load(sr + <usize>ox * 4)));
                dst += 16;
              }
              for (; ox < hi; ox++) {
                store<f32>(dst, load<f32>(dst) + load<f32>(sr + <usize>ox * 4));
                dst += 4;
              }
            } else {
              const step = <usize>sw * 4;
              for (let ox = lo; ox < hi; ox++) {
                store<f32>(dst, load<f32>(dst) + load<f32>(sr + <usize>ox * 4));
                dst += step;
              }
            }
          }
          s += plane;
        }
      }
    }
  }
}
