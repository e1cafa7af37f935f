import type { Tensor } from '../tensor/tensor.js';
import type { NonFiniteOrigin } from './types.js';

function firstBad(t: Tensor): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    if (x - x !== 0) return i;
  }
  return -1;
}

function origin(
  t: Tensor,
  kind: NonFiniteOrigin['kind'],
  name: string,
  index: number,
): NonFiniteOrigin {
  const rowSize = t.shape.length > 0 ? t.size / Math.max(1, t.shape[0] as number) : 1;
  return {
    kind,
    name,
    shape: [...t.shape],
    index,
    value: t.data[index] as number,
    row: rowSize > 0 ? Math.floor(index / rowSize) : 0,
  };
}

/**
 * Follows the tape back from a non-finite result (a loss) to where the first NaN/±Inf entered:
 * the earliest tensor, in forward (topological) order, that holds a non-finite value while all of
 * its inputs are finite — an op that produced it (kind 'op'), or a leaf that already held it
 * (kind 'input' for data, 'parameter' for a tensor that requires grad). Returns null when `root`
 * is finite or the graph holds no non-finite value. Works after backward (the tape keeps its
 * inputs), without anomaly mode: like PyTorch's detect_anomaly, but after the fact.
 *
 * @example
 * const loss = crossEntropy(model.forward(x), y); // x has a NaN in row 3
 * traceNonFinite(loss) // { kind: 'input', shape: [64, 784], row: 3, ... }
 */
export function traceNonFinite(root: Tensor): NonFiniteOrigin | null {
  // Post-order DFS = inputs before outputs (iterative: deep RNN tapes would overflow recursion).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Tensor, number];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const child = inputs[top[1]] as Tensor;
      top[1]++;
      if (!seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }
  const bad = new Map<Tensor, number>();
  for (const t of order) {
    const i = firstBad(t);
    if (i >= 0) bad.set(t, i);
  }
  if (bad.size === 0) return null;
  for (const t of order) {
    const i = bad.get(t);
    if (i === undefined) continue;
    const node = t.gradFn;
    if (node === null)
      return origin(
        t,
        t.requiresGrad ? 'parameter' : 'input',
        t.name ?? (t.requiresGrad ? 'parameter' : 'input'),
        i,
      );
    if (node.inputs.every((x) => !bad.has(x))) return origin(t, 'op', node.op, i);
  }
  return null;
}
