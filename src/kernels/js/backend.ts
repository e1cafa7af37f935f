import type { TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../types.js';
import { adamJs } from './adam.js';
import { conv2dBackwardJs, conv2dForwardJs } from './conv.js';
import { gemmJsUnchecked } from './gemm.js';
import { gradStatsJs, updateStatsJs } from './grad-stats.js';
import { col2imJsUnchecked, im2colJsUnchecked } from './im2col.js';
import { linearBackwardJs, linearForwardJs } from './linear.js';
import { rnnTanhBackwardJs, rnnTanhForwardJs } from './rnn.js';
import {
  gruGatesBackwardJs,
  gruGatesForwardJs,
  lstmGatesBackwardJs,
  lstmGatesForwardJs,
} from './rnn-gates.js';
import { crossEntropyBackwardJs, crossEntropyForwardJs } from './cross-entropy.js';

/**
 * The JS reference backend, both dtypes: gemm, im2col and col2im are the scalar JS kernels; the
 * fused entries (linear, conv2d, rnnTanh) are their reference compositions over the routed
 * primitives (kernels/backend.ts), so that a float32 call that stays on JS under 'auto' gives the
 * bits of the unfused ops, and under setKernels('js') everything runs in JS. adam is float32
 * arithmetic lane by lane, the same bits as the wasm kernel, and so are gradStats' float32 sums.
 * @example jsKernels.linearForward({ x, w, bias: null, act: 0, rows: 2, inF: 3, outF: 4, y });
 */
export const jsKernels: Kernels = {
  impl: 'js',
  gemm: gemmJsUnchecked,
  im2col: im2colJsUnchecked,
  col2im: col2imJsUnchecked,
  linearForward: linearForwardJs,
  linearBackward: linearBackwardJs,
  conv2dForward: conv2dForwardJs,
  conv2dBackward: conv2dBackwardJs,
  rnnTanhForward: rnnTanhForwardJs,
  rnnTanhBackward: rnnTanhBackwardJs,
  lstmGatesForward: lstmGatesForwardJs,
  lstmGatesBackward: lstmGatesBackwardJs,
  gruGatesForward: gruGatesForwardJs,
  gruGatesBackward: gruGatesBackwardJs,
  adam: adamJs,
  gradStats: gradStatsJs,
  updateStats: updateStatsJs,
  copy(dst: TypedArray, src: TypedArray): void {
    dst.set(src);
  },
  crossEntropyForward: crossEntropyForwardJs,
  crossEntropyBackward: crossEntropyBackwardJs,
};
