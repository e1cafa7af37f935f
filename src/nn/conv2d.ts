import { ConfigError, fmt } from '../errors.js';
import { conv2d, type Size2 } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkBool,
  checkInt,
  layerDtype,
  layerRng,
  makeParam,
  torchDefaultWeightInit,
  uniformInit,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link Conv2d}. */
export interface Conv2dLayerOptions extends LayerInitOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zeros added on each side (default 0). */
  padding?: Size2;
  /** Learn a per-channel bias (default true). */
  bias?: boolean;
}

/** @internal Validates a size given once or as [h, w]. */
export function pair(op: string, name: string, v: Size2, min: number): [number, number] {
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ConfigError(
      `${op}: ${name} must be an integer >= ${min} or a pair [h, w] of them, got ${fmt(v)}`,
    );
  }
  return [p[0] as number, p[1] as number];
}

/**
 * 2-D convolution (cross-correlation) over `[N, C, H, W]` with weight `[out, in, kh, kw]`
 * (PyTorch's `nn.Conv2d`, groups 1, dilation 1). Default init as PyTorch, with fanIn = in·kh·kw:
 * W ~ U(±1/√fanIn), b ~ U(±1/√fanIn).
 * @example const conv = new Conv2d(1, 8, 3, { padding: 1, seed: 0 }); conv.forward(x) // [N, 8, H, W]
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 */
export class Conv2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw]. */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];
  /** Weight `[out, in, kh, kw]`. */
  readonly weight: Tensor;
  /** Bias `[out]`, or null. */
  readonly bias: Tensor | null;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size2,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const op = 'Conv2d';
    this.inChannels = checkInt(op, 'inChannels', inChannels);
    this.outChannels = checkInt(op, 'outChannels', outChannels);
    this.kernelSize = pair(op, 'kernelSize', kernelSize, 1);
    this.stride = pair(op, 'stride', options.stride ?? 1, 1);
    this.padding = pair(op, 'padding', options.padding ?? 0, 0);
    const hasBias = checkBool(op, 'bias', options.bias ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = this.registerParameter(
      'weight',
      makeParam({
        op,
        name: 'weight',
        shape: [outChannels, inChannels, kh, kw],
        init: options.init,
        fallback: torchDefaultWeightInit,
        rng,
        dtype,
      }),
    );
    this.bias = hasBias
      ? this.registerParameter(
          'bias',
          makeParam({
            op,
            name: 'bias',
            shape: [outChannels],
            init: options.biasInit,
            fallback: uniformInit(bound),
            rng,
            dtype,
          }),
        )
      : null;
  }

  /** x `[N, in, H, W]` -> `[N, out, H', W']`. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}
