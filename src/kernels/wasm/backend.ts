import { DtypeError, fmt } from '../../errors.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type {
  Conv2dBackwardArgs,
  Conv2dForwardArgs,
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
  LinearBackwardArgs,
  LinearForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
} from '../args.js';
import { dropDetail, finishGradStats, finishUpdateStats, sumIsFinal } from '../grad-stats.js';
import type { GemmArgs, Im2colArgs, Kernels } from '../types.js';
import type { WasmKernels } from './wasm-kernels.js';
import { crossEntropyBackwardJs, crossEntropyForwardJs } from '../js/cross-entropy.js';

// The chooser (select.ts) sends only float32 problems here; a float64 one is a caller's bug.
function f32(entry: string, out: TypedArray | null): void {
  if (out !== null && !(out instanceof Float32Array)) {
    throw new DtypeError(
      `wasm kernels.${entry}: the WebAssembly backend is float32-only, got a ${fmt(out.constructor.name)} output; use the JS backend`,
    );
  }
}

/**
 * The WebAssembly SIMD backend (float32) over one instance of the kernels: the {@link Kernels}
 * interface on top of {@link WasmKernels}' entry points (one host file per family). Every entry
 * checks that its output is a Float32Array (DtypeError otherwise) and that is all: arguments are
 * the caller's to check, as for every backend.
 * @example wasmBackend(loadWasmKernels()).linearForward({ x, w, bias: null, act: 0, rows, inF, outF, y });
 */
export function wasmBackend(wk: WasmKernels): Kernels {
  return {
    impl: 'wasm',
    gemm(a: GemmArgs): void {
      f32('gemm', a.c);
      // a and b share c's dtype (the caller checked the arguments): the cast allocates nothing.
      wk.gemmF32Unchecked(a as GemmArgs<Float32Array>);
    },
    im2col(a: Im2colArgs): void {
      f32('im2col', a.col);
      wk.im2colF32Unchecked(a as Im2colArgs<Float32Array>);
    },
    col2im(a: Im2colArgs): void {
      f32('col2im', a.x);
      wk.col2imF32Unchecked(a as Im2colArgs<Float32Array>);
    },
    linearForward(a: LinearForwardArgs): void {
      f32('linearForward', a.y);
      wk.linearForwardF32(a as LinearForwardArgs<Float32Array>);
    },
    linearBackward(a: LinearBackwardArgs): void {
      f32('linearBackward', a.g);
      wk.linearBackwardF32(a as LinearBackwardArgs<Float32Array>);
    },
    conv2dForward(a: Conv2dForwardArgs): void {
      f32('conv2dForward', a.y);
      wk.conv2dForwardF32(a as Conv2dForwardArgs<Float32Array>);
    },
    conv2dBackward(a: Conv2dBackwardArgs): void {
      f32('conv2dBackward', a.gy);
      wk.conv2dBackwardF32(a as Conv2dBackwardArgs<Float32Array>);
    },
    rnnTanhForward(a: RnnForwardArgs): void {
      f32('rnnTanhForward', a.hs);
      wk.rnnTanhForwardF32(a as RnnForwardArgs<Float32Array>);
    },
    rnnTanhBackward(a: RnnBackwardArgs): void {
      f32('rnnTanhBackward', a.g);
      wk.rnnTanhBackwardF32(a as RnnBackwardArgs<Float32Array>);
    },
    lstmGatesForward(a: LstmGatesArgs): void {
      f32('lstmGatesForward', a.gates);
      wk.lstmGatesForwardF32(a as LstmGatesArgs<Float32Array>);
    },
    lstmGatesBackward(a: LstmGatesBackwardArgs): void {
      f32('lstmGatesBackward', a.dG);
      wk.lstmGatesBackwardF32(a as LstmGatesBackwardArgs<Float32Array>);
    },
    gruGatesForward(a: GruGatesArgs): void {
      f32('gruGatesForward', a.gates);
      wk.gruGatesForwardF32(a as GruGatesArgs<Float32Array>);
    },
    gruGatesBackward(a: GruGatesBackwardArgs): void {
      f32('gruGatesBackward', a.dXP);
      wk.gruGatesBackwardF32(a as GruGatesBackwardArgs<Float32Array>);
    },
    adam(a): void {
      wk.adamF32(a);
    },
    gradStats(a): void {
      f32('gradStats', a.x);
      const x = a.x as Float32Array;
      const detail = a.detail !== false;
      if (!detail) {
        wk.sumSquaresF32(x, a.out, a.at);
        if (sumIsFinal(x, a.out, a.at)) return;
      }
      wk.gradStatsF32(x, a.out, a.at);
      finishGradStats(x, a.out, a.at);
      if (!detail) dropDetail(a.out, a.at);
    },
    updateStats(a): void {
      f32('updateStats', a.p);
      f32('updateStats', a.q);
      wk.updateStatsF32(a.p as Float32Array, a.q as Float32Array, a.out, a.at);
      finishUpdateStats(a.p, a.q, a.out, a.at);
    },
    copy(dst, src): void {
      f32('copy', dst);
      f32('copy', src);
      wk.copyF32(dst as Float32Array, src as Float32Array);
    },
    // softmax cross-entropy: the JS reference (a [n, c] pass is no GEMM; no wasm kernel for it)
    crossEntropyForward: crossEntropyForwardJs,
    crossEntropyBackward: crossEntropyBackwardJs,
  };
}
