import { describe, expect, it } from 'vitest';
import { ConfigError, DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { convGeometry, type ConvGeometry, type ConvGeometryOptions } from './conv-geometry.js';
import { col2imJs, im2colJs } from './js/im2col.js';
import { loadWasmKernels } from './wasm/loader.js';

// Direct convolution, the definition: y[o][oy][ox] = Σ_{c,i,j} w[o][c][i][j] · x[c][iy][ix] with
// iy = oy·sh − ph + i·dh, ix = ox·sw − pw + j·dw, terms outside the image being zero padding.
function directConv(x: Float64Array, w: Float64Array, outC: number, g: ConvGeometry): Float64Array {
  const y = new Float64Array(outC * g.outH * g.outW);
  for (let o = 0; o < outC; o++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        let s = 0;
        for (let c = 0; c < g.channels; c++) {
          for (let i = 0; i < g.kernelH; i++) {
            for (let j = 0; j < g.kernelW; j++) {
              const iy = oy * g.strideH - g.padH + i * g.dilationH;
              const ix = ox * g.strideW - g.padW + j * g.dilationW;
              if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
              s +=
                (w[((o * g.channels + c) * g.kernelH + i) * g.kernelW + j] as number) *
                (x[(c * g.height + iy) * g.width + ix] as number);
            }
          }
        }
        y[(o * g.outH + oy) * g.outW + ox] = s;
      }
    }
  }
  return y;
}

// y = W[outC, C·kh·kw] · col[C·kh·kw, outH·outW], the naive matrix product.
function matmul(
  w: Float64Array,
  col: ArrayLike<number>,
  outC: number,
  g: ConvGeometry,
): Float64Array {
  const y = new Float64Array(outC * g.colCols);
  for (let o = 0; o < outC; o++) {
    for (let q = 0; q < g.colCols; q++) {
      let s = 0;
      for (let r = 0; r < g.colRows; r++)
        s += (w[o * g.colRows + r] as number) * (col[r * g.colCols + q] as number);
      y[o * g.colCols + q] = s;
    }
  }
  return y;
}

function normal32(rng: Rng, length: number): Float32Array {
  const out = new Float32Array(length);
  rng.fillNormal(out);
  return out;
}

const GEOMETRIES: ConvGeometryOptions[] = [
  { channels: 1, height: 5, width: 5, kernelH: 3, kernelW: 3 },
  { channels: 2, height: 7, width: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1 },
  {
    channels: 3,
    height: 8,
    width: 9,
    kernelH: 3,
    kernelW: 2,
    strideH: 2,
    strideW: 3,
    padH: 1,
    padW: 2,
  },
  {
    channels: 2,
    height: 9,
    width: 10,
    kernelH: 3,
    kernelW: 3,
    dilationH: 2,
    dilationW: 3,
    padH: 2,
    padW: 1,
  },
  { channels: 1, height: 4, width: 4, kernelH: 5, kernelW: 5, padH: 2, padW: 2 }, // kernel wider than the image
  { channels: 4, height: 6, width: 5, kernelH: 1, kernelW: 1, strideH: 2, strideW: 2 },
  { channels: 2, height: 3, width: 11, kernelH: 2, kernelW: 4, strideW: 2, padW: 3, padH: 1 }, // padding wider than the stride
];

describe('convGeometry', () => {
  it("uses PyTorch's output-size formula", () => {
    // height: ⌊(28 + 2·1 − 1·(3 − 1) − 1)/1⌋ + 1 = 28; width: ⌊(9 + 2·1 − 2·(3 − 1) − 1)/2⌋ + 1 = 4
    const g = convGeometry({
      channels: 3,
      height: 28,
      width: 9,
      kernelH: 3,
      kernelW: 3,
      padH: 1,
      padW: 1,
      strideW: 2,
      dilationW: 2,
    });
    expect([g.outH, g.outW, g.colRows, g.colCols]).toEqual([28, 4, 27, 112]);
    // ⌊(10 + 0 − 1·(3 − 1) − 1)/3⌋ + 1 = 3 (the last window does not fit a 4th time)
    const g2 = convGeometry({
      channels: 1,
      height: 10,
      width: 10,
      kernelH: 3,
      kernelW: 3,
      strideH: 3,
    });
    expect(g2.outH).toBe(3);
  });
  it('rejects invalid options with the name and value', () => {
    expect(() =>
      convGeometry({ channels: 1, height: 5, width: 5, kernelH: 0, kernelW: 3 }),
    ).toThrow(ConfigError);
    expect(() =>
      convGeometry({ channels: 1, height: 5, width: 5, kernelH: 3, kernelW: 3, strideH: 0 }),
    ).toThrow(/strideH must be an integer >= 1, got 0/);
    expect(() =>
      convGeometry({ channels: 1, height: 5, width: 5, kernelH: 3, kernelW: 3, padW: -1 }),
    ).toThrow(/padW/);
    expect(() =>
      convGeometry({ channels: 1, height: 2, width: 5, kernelH: 3, kernelW: 3 }),
    ).toThrow(ShapeError);
  });
});

describe('im2col / col2im (JS, float64)', () => {
  it.each(GEOMETRIES)('W · im2col(x) equals the direct convolution: %j', (opts) => {
    const g = convGeometry(opts);
    const rng = new Rng(g.colSize);
    const outC = 3;
    const x = rng.fillNormal(new Float64Array(g.imageSize)) as Float64Array;
    const w = rng.fillNormal(new Float64Array(outC * g.colRows)) as Float64Array;
    const col = new Float64Array(g.colSize).fill(NaN); // every entry must be written
    im2colJs({ x, xOffset: 0, g, col, colOffset: 0, batch: 1 });
    const y = matmul(w, col, outC, g);
    const ref = directConv(x, w, outC, g);
    for (let e = 0; e < ref.length; e++) expect(y[e]).toBeCloseTo(ref[e] as number, 12);
  });

  it.each(GEOMETRIES)('col2im is the adjoint: <im2col(x), y> = <x, col2im(y)>: %j', (opts) => {
    const g = convGeometry(opts);
    const rng = new Rng(g.imageSize + 17);
    const x = rng.fillNormal(new Float64Array(g.imageSize));
    const y = rng.fillNormal(new Float64Array(g.colSize));
    const col = new Float64Array(g.colSize);
    im2colJs({ x, xOffset: 0, g, col, colOffset: 0, batch: 1 });
    const back = new Float64Array(g.imageSize);
    col2imJs({ x: back, xOffset: 0, g, col: y, colOffset: 0, batch: 1 });
    let lhs = 0;
    let rhs = 0;
    let mag = 0;
    for (let e = 0; e < g.colSize; e++) {
      lhs += (col[e] as number) * (y[e] as number);
      mag += Math.abs((col[e] as number) * (y[e] as number));
    }
    for (let e = 0; e < g.imageSize; e++) rhs += (x[e] as number) * (back[e] as number);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-13 * mag);
  });

  it('col2im of all-ones counts how many windows cover each pixel, and accumulates', () => {
    // 3×3 image, 2×2 kernel, stride 1: corners are covered once, edges twice, the centre 4 times.
    const g = convGeometry({ channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2 });
    const dx = new Float64Array(9).fill(10);
    col2imJs({
      x: dx,
      xOffset: 0,
      g,
      col: new Float64Array(g.colSize).fill(1),
      colOffset: 0,
      batch: 1,
    });
    expect(Array.from(dx)).toEqual([11, 12, 11, 12, 14, 12, 11, 12, 11]);
  });

  it('handles a batch with offsets like a loop over images', () => {
    const g = convGeometry(GEOMETRIES[2] as ConvGeometryOptions);
    const rng = new Rng(99);
    const batch = 3;
    const x = rng.fillNormal(new Float64Array(5 + batch * g.imageSize));
    const col = new Float64Array(2 + batch * g.colSize);
    im2colJs({ x, xOffset: 5, g, col, colOffset: 2, batch });
    const one = new Float64Array(g.colSize);
    for (let b = 0; b < batch; b++) {
      im2colJs({ x, xOffset: 5 + b * g.imageSize, g, col: one, colOffset: 0, batch: 1 });
      expect(Array.from(col.subarray(2 + b * g.colSize, 2 + (b + 1) * g.colSize))).toEqual(
        Array.from(one),
      );
    }
    expect(col[0]).toBe(0);
    expect(col[1]).toBe(0);
  });

  it('checks its arguments', () => {
    const g = convGeometry({ channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2 });
    expect(() =>
      im2colJs({
        x: new Float64Array(8),
        xOffset: 0,
        g,
        col: new Float64Array(16),
        colOffset: 0,
        batch: 1,
      }),
    ).toThrow(/x needs batch·C·H·W = 1·9 = 9 elements/);
    expect(() =>
      im2colJs({
        x: new Float64Array(9),
        xOffset: 0,
        g,
        col: new Float32Array(16),
        colOffset: 0,
        batch: 1,
      }),
    ).toThrow(DtypeError);
    expect(() =>
      col2imJs({
        x: new Float64Array(9),
        xOffset: 0,
        g,
        col: new Float64Array(15),
        colOffset: 0,
        batch: 1,
      }),
    ).toThrow(/col needs/);
  });
});

describe('im2col / col2im (wasm, float32) against JS', () => {
  const wk = loadWasmKernels();
  it.each(GEOMETRIES)('same columns and same accumulated images: %j', (opts) => {
    const g = convGeometry(opts);
    const rng = new Rng(g.colSize + 5);
    const batch = 2;
    const x = normal32(rng, 3 + batch * g.imageSize);
    const colJs = new Float32Array(batch * g.colSize + 1);
    const colWasm = new Float32Array(batch * g.colSize + 1).fill(NaN);
    colWasm[0] = 0;
    im2colJs({ x, xOffset: 3, g, col: colJs, colOffset: 1, batch });
    wk.im2colF32({ x, xOffset: 3, g, col: colWasm, colOffset: 1, batch });
    // A pure copy: bit-identical.
    expect(Array.from(colWasm)).toEqual(Array.from(colJs));

    const y = normal32(rng, batch * g.colSize);
    const dxJs = normal32(rng, batch * g.imageSize);
    const dxWasm = dxJs.slice();
    col2imJs({ x: dxJs, xOffset: 0, g, col: y, colOffset: 0, batch });
    wk.col2imF32({ x: dxWasm, xOffset: 0, g, col: y, colOffset: 0, batch });
    // Float32 sums of the same terms, possibly in another order (SIMD rows): ≤ a few ulps.
    for (let e = 0; e < dxJs.length; e++)
      expect(Math.abs((dxWasm[e] as number) - (dxJs[e] as number))).toBeLessThanOrEqual(
        1e-5 * (1 + Math.abs(dxJs[e] as number)),
      );
  });

  it('adjoint identity holds for the wasm pair too (float64 sums of float32 products)', () => {
    const g = convGeometry(GEOMETRIES[3] as ConvGeometryOptions);
    const rng = new Rng(4);
    const x = normal32(rng, g.imageSize);
    const y = normal32(rng, g.colSize);
    const col = new Float32Array(g.colSize);
    wk.im2colF32({ x, xOffset: 0, g, col, colOffset: 0, batch: 1 });
    const back = new Float32Array(g.imageSize);
    wk.col2imF32({ x: back, xOffset: 0, g, col: y, colOffset: 0, batch: 1 });
    let lhs = 0;
    let rhs = 0;
    let mag = 0;
    for (let e = 0; e < g.colSize; e++) {
      lhs += (col[e] as number) * (y[e] as number);
      mag += Math.abs((col[e] as number) * (y[e] as number));
    }
    for (let e = 0; e < g.imageSize; e++) rhs += (x[e] as number) * (back[e] as number);
    // back[] holds float32 sums of ≤ kh·kw terms: relative error ≤ 9·2⁻²⁴ per pixel.
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-6 * mag);
  });
});
