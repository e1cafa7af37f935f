import type { GeluArgs, GeluBackwardArgs } from '../args.js';
import { expNonPositive, tanhGateF32 } from './gate-math.js';
import { INV_SQRT_2PI, PHI_CENTRAL, phiCentral, phiTail } from './gelu-math.js';

// The GELU reference kernels (Hendrycks & Gimpel 2016), one pass each, both dtypes:
//   'none' (approximate 0): y = x·Φ(x), dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π);
//   'tanh' (approximate 1): u = √(2/π)(x + 0.044715x³), y = ½x(1 + tanh u),
//     dx = g·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), t = tanh u.
// float32: Φ from gelu-math.ts and tanh from gate-math.ts (IEEE double operations only, with
// gate-math's exp), so that native/src/transformer_ops.c gives the same bits; each result is
// rounded once, at its store. float64: the same formulas with Math.exp and Math.tanh (JS only).

/** √(2/π). */
const SQRT_2_OVER_PI = 0.7978845608028654;

/** Φ(x) in double precision (float64 data): e^(−x²/2) by Math.exp. */
function normalCdf64(x: number): number {
  if (x >= -PHI_CENTRAL && x <= PHI_CENTRAL) return phiCentral(x);
  return phiTail(x, Math.exp(-(0.5 * x * x)));
}

/**
 * y = GELU(x) over n elements (see GeluArgs).
 * @example geluForwardJs({ x, y, n: x.length, approximate: 1 });
 */
export function geluForwardJs(a: GeluArgs): void {
  const { x, y, n } = a;
  const f32 = x instanceof Float32Array;
  if (a.approximate === 1) {
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
      y[i] = 0.5 * v * (1 + (f32 ? tanhGateF32(u) : Math.tanh(u)));
    }
  } else if (f32) {
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      const phi =
        v >= -PHI_CENTRAL && v <= PHI_CENTRAL
          ? phiCentral(v)
          : phiTail(v, expNonPositive(-(0.5 * v * v)));
      y[i] = v * phi;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      y[i] = v * normalCdf64(v);
    }
  }
}

/**
 * dx = g·GELU′(x) over n elements (see GeluBackwardArgs).
 * @example geluBackwardJs({ x, g, dx, n: x.length, approximate: 0 });
 */
export function geluBackwardJs(a: GeluBackwardArgs): void {
  const { x, g, dx, n } = a;
  const f32 = x instanceof Float32Array;
  if (a.approximate === 1) {
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
      const t = f32 ? tanhGateF32(u) : Math.tanh(u);
      const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
      dx[i] = (g[i] as number) * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const h = -(0.5 * v * v);
    const e = f32 ? expNonPositive(h) : Math.exp(h);
    const phi = v >= -PHI_CENTRAL && v <= PHI_CENTRAL ? phiCentral(v) : phiTail(v, e);
    dx[i] = (g[i] as number) * (phi + v * (INV_SQRT_2PI * e));
  }
}
