// Layout conversions from the bundle's PyTorch layouts to those of systems that want others
// (TensorFlow.js and jax-js take dense kernels as [in, out], TensorFlow.js convolutions as NHWC
// with filters [kh, kw, in, out]). Done once, at load time, never inside a timed step.

/** Transpose of a row-major [rows, cols] matrix. */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c] as number;
  return out;
}

/** Conv filter [O, I, kh, kw] (PyTorch) → [kh, kw, I, O] (TensorFlow). */
export function oihwToHwio(
  w: Float32Array,
  o: number,
  i: number,
  kh: number,
  kw: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * i + b) * o + a] = w[((a * i + b) * kh + y) * kw + x] as number;
  return out;
}

/**
 * Linear weight [out, C·H·W] reading a PyTorch (NCHW) flatten → [H·W·C, out] reading an NHWC
 * flatten, so that the TensorFlow.js network computes the same function.
 */
export function linearChwToHwcIn(
  w: Float32Array,
  out: number,
  c: number,
  h: number,
  wd: number,
): Float32Array {
  const res = new Float32Array(w.length);
  const flat = c * h * wd;
  for (let o = 0; o < out; o++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < wd; x++)
          res[((y * wd + x) * c + ch) * out + o] = w[o * flat + (ch * h + y) * wd + x] as number;
  return res;
}
