import { ConfigError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { add, div, mul } from './elementwise.js';
import { compositeVjp } from './internal/graph-vjp.js';
import { pointwiseKernelsFor } from '../kernels/select.js';
import { mean } from './reduce.js';
import { sqrt, square } from './unary.js';

/** Machine epsilon per dtype: PyTorch's RMSNorm default ε (`torch.finfo(x.dtype).eps`). */
const FINFO_EPS = { float32: 2 ** -23, float64: 2 ** -52 } as const;

/**
 * Root-mean-square normalisation over the trailing `normalizedShape` axes (Zhang & Sennrich 2019;
 * PyTorch's `F.rms_norm` / `nn.RMSNorm`): y = x/√(mean(x²) + ε)·γ, with no centring and no shift.
 * ε defaults to the machine epsilon of x's dtype, as in PyTorch. VJP, with r = 1/√(mean(x²) + ε),
 * x̂ = x·r and dx̂ = g·γ over the n normalised elements: dx = r·(dx̂ − x̂·mean(dx̂·x̂)),
 * dγ = Σ g·x̂. Runs on the layer-norm kernels with `rms` (Kernels.layerNormForward/Backward:
 * native AVX2 when the addon is loaded, the same bits everywhere).
 *
 * @example const y = rmsNorm(x, 64, gamma); // x [B, T, 64], gamma [64]
 * @see https://arxiv.org/abs/1910.07467
 */
export function rmsNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  eps?: number,
): Tensor {
  const op = 'rmsNorm';
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d > 0))
    throw new ShapeError(
      `${op}: normalizedShape must be a positive integer or a non-empty list of them, got ${fmt(normalizedShape)}`,
    );
  const e = eps ?? FINFO_EPS[x.dtype];
  if (typeof e !== 'number' || !(e >= 0) || !Number.isFinite(e))
    throw new ConfigError(`${op}: eps must be a finite number >= 0, got ${fmt(eps)}`);
  const w = weight ?? null;
  assertSameDtype(op, x, ...(w ? [w] : []));
  if (x.ndim < ns.length || !shapesEqual(x.shape.slice(x.ndim - ns.length), ns))
    throw new ShapeError(
      `${op}: x must end with the normalized shape ${fmt(ns)}, got shape ${fmt(x.shape)}`,
    );
  if (w && !shapesEqual(w.shape, ns))
    throw new ShapeError(`${op}: weight must have shape ${fmt(ns)}, got ${fmt(w.shape)}`);
  let n = 1;
  for (const s of ns) n *= s;
  const rows = x.size / n;
  const xd = x.data;
  const wd = w ? w.data : null;
  // The layer-norm kernels without centring (μ = 0, no β): native AVX2 when the addon is loaded.
  const k = pointwiseKernelsFor(x.dtype, x.size);
  const zeros = new Float64Array(rows);
  const rs = new Float64Array(rows);
  const y = allocData(x.dtype, x.size);
  k.layerNormForward({ x: xd, gamma: wd, beta: null, rows, d: n, eps: e, rms: true, y, mean: zeros, rstd: rs }); // prettier-ignore
  const inputs = w ? [x, w] : [x];
  return record(
    op,
    new Tensor(y, x.shape),
    inputs,
    (g, sink, cg) => {
      if (cg)
        return compositeVjp(g, inputs, () => {
          // x/√(mean(x²) + ε)·w over the normalized axes, as recorded ops.
          const axes = ns.map((_, i) => x.ndim - ns.length + i);
          const r = div(x, sqrt(add(mean(square(x), axes, true), e)));
          return w ? mul(r, w) : r;
        });
      // dγ goes straight into the parameter's gradient buffer when it has one (then null).
      const dx = x.requiresGrad ? allocData(x.dtype, x.size) : null;
      // After zeroGrad() the buffer is a pending zero: written, not added into.
      const newW = w === null ? null : sink.bufferToWrite(w);
      const accW = w === null ? null : (newW ?? sink.buffer(w));
      const dw = w?.requiresGrad ? (accW ?? allocData(x.dtype, n)) : null;
      k.layerNormBackward({
        g: g.data,
        x: xd,
        gamma: wd,
        mean: zeros,
        rstd: rs,
        rows,
        d: n,
        rms: true,
        dx,
        dGamma: dw,
        dGammaAccumulate: accW !== null && newW === null,
        dBeta: null,
        dBetaAccumulate: false,
      });
      const res: (Tensor | null)[] = [dx ? new Tensor(dx, x.shape) : null];
      if (w) res.push(dw === null || accW !== null ? null : new Tensor(dw, w.shape));
      return res;
    },
    true,
  );
}
