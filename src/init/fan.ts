import { ShapeError, fmt } from '../errors.js';
import { assertShape, type Shape } from '../tensor/shape.js';

/** Fan-in and fan-out of a weight shape. */
export interface Fans {
  /** Inputs feeding each output unit: in · receptive field. */
  fanIn: number;
  /** Outputs fed by each input unit: out · receptive field. */
  fanOut: number;
}

/**
 * PyTorch's fan convention for a weight of shape [out, in, ...receptiveField]:
 * fanIn = in · ∏receptiveField, fanOut = out · ∏receptiveField (a Linear weight [out, in], a
 * Conv2d weight [out, in, kh, kw]). Fewer than 2 dimensions is a ShapeError, as in PyTorch.
 * @example computeFans([64, 32, 3, 3]) // { fanIn: 288, fanOut: 576 }
 * @see torch.nn.init._calculate_fan_in_and_fan_out
 */
export function computeFans(shape: Shape): Fans {
  assertShape(shape, 'shape');
  if (shape.length < 2) {
    throw new ShapeError(
      `computeFans: shape must have at least 2 dimensions [out, in, ...], got ${fmt(shape)}`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i] as number;
  return { fanIn: (shape[1] as number) * receptive, fanOut: (shape[0] as number) * receptive };
}
