// Helpers for the differentiable VJPs (backward({ createGraph: true })): the adjoint of
// broadcasting as a recorded op, a linear map recorded together with its adjoint, and constant
// masks. Used only on the createGraph branch of each op's VJP; the default path never calls them.
import { gradients } from '../../autograd/backward.js';
import { record } from '../../autograd/tape.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { shapesEqual } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { sum } from '../reduce.js';
import { reshape } from '../shape-ops.js';
import { newTensor } from './util.js';

/**
 * g (of a broadcast result's shape) summed down to `shape` — the adjoint of broadcasting, as
 * recorded ops (sum with keepDims, then reshape), so differentiable again.
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++)
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(s, shape);
}

/** A raw linear map src → dst (dst is zero-filled and must be accumulated into or written). */
export type LinearKernel = (src: TypedArray, dst: TypedArray) => void;

/**
 * y = L·x for a linear map L given as a kernel, recorded with the VJP Lᵀ·g — itself recorded the
 * same way with adjoint L — so that any order of derivative is exact. For the VJPs of gathers,
 * scatters and copies under createGraph.
 */
export function linearMap(
  name: string,
  x: Tensor,
  outShape: readonly number[],
  apply: LinearKernel,
  adjoint: LinearKernel,
): Tensor {
  const out = newTensor(x.dtype, outShape);
  apply(x.data, out.data);
  const inShape = x.shape;
  return record(
    name,
    out,
    [x],
    (g, _sink, createGraph) => {
      if (createGraph) return [linearMap(`${name}ᵀ`, g, inShape, adjoint, apply)];
      const gx = newTensor(g.dtype, inShape);
      adjoint(g.data, gx.data);
      return [gx];
    },
    true,
  );
}

/** A constant (not differentiated) tensor of x's dtype and `shape` with entries m(i). */
export function constant(x: Tensor, shape: readonly number[], m: (i: number) => number): Tensor {
  const t = newTensor(x.dtype, shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = m(i);
  return t;
}

/** Wraps raw data as a constant tensor (no graph). */
export function constantOf(data: TypedArray, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

/**
 * The createGraph VJP of a fused op whose forward is also a composition of recorded ops: the
 * composition `build()` is recomputed from the saved inputs (under grad mode, as in
 * checkpointing) and differentiated with a recorded backward seeded with g. Returns null for
 * inputs that do not require grad.
 */
export function compositeVjp(
  g: Tensor,
  inputs: readonly Tensor[],
  build: () => Tensor,
): (Tensor | null)[] {
  const y = build();
  const wanted = inputs.filter((t) => t.requiresGrad);
  const gs = gradients(y, wanted, { seed: g, createGraph: true });
  return inputs.map((t) => (t.requiresGrad ? (gs[wanted.indexOf(t)] as Tensor) : null));
}
