import { DtypeError, fmt } from '../../errors.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type {
  Conv2dBackwardArgs,
  CrossEntropyBackwardArgs,
  CrossEntropyForwardArgs,
  Conv2dForwardArgs,
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
  LinearBackwardArgs,
  LinearForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
  AttentionBackwardArgs,
  AttentionForwardArgs,
  MaxPool2dBackwardArgs,
  MaxPool2dForwardArgs,
} from '../args.js';
import type { ConvGeometry } from '../conv-geometry.js';
import type { GemmArgs, Im2colArgs, Kernels } from '../types.js';
import type { NativeAddon } from './addon.js';
import { nativeAdamStats, nativeSumSquares } from './monitor-stats.js';

type F = Float32Array | Float64Array;

// The addon takes the geometry as 13 numbers; one array per geometry object, made once.
const geometries = new WeakMap<ConvGeometry, number[]>();

/**
 * The 13 numbers of a convolution geometry in the addon's order (native/src/gs.h, gs_geom).
 * @example addon.im2col(x, 0, geometryArray(g), col, 0, n);
 */
export function geometryArray(g: ConvGeometry): number[] {
  let a = geometries.get(g);
  if (a === undefined) {
    a = [
      g.channels,
      g.height,
      g.width,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.dilationH,
      g.dilationW,
      g.outH,
      g.outW,
    ];
    geometries.set(g, a);
  }
  return a;
}

/**
 * Kernels.gemm on the addon (positional arguments: cheaper to read in C than properties).
 * @example nativeGemm(addon, { transA: false, transB: true, m, n, k, alpha: 1, a, aOffset: 0, b, bOffset: 0, beta: 0, c, cOffset: 0 });
 */
export function nativeGemm(addon: NativeAddon, a: GemmArgs): void {
  addon.gemm(
    a.transA,
    a.transB,
    a.m,
    a.n,
    a.k,
    a.alpha,
    a.a,
    a.aOffset,
    a.b,
    a.bOffset,
    a.beta,
    a.c,
    a.cOffset,
  );
}

// The chooser sends float32 and float64 problems here; anything else is a caller's bug.
function float(entry: string, out: TypedArray): F {
  if (!(out instanceof Float32Array) && !(out instanceof Float64Array)) {
    const name = (out as { constructor: { name: string } }).constructor.name;
    throw new DtypeError(
      `native kernels.${entry}: expected a Float32Array or Float64Array output, got a ${fmt(name)}`,
    );
  }
  return out;
}

/**
 * The native backend (issue 22): the {@link Kernels} interface over the Node-API addon, both
 * dtypes. GEMM is the addon's packed AVX2+FMA kernel (bit-identical across thread counts: the
 * threads split C into column or row blocks, never a sum); the fused entries are the JS
 * reference compositions done in C over that GEMM, hence the bits of the JS reference run with
 * setKernels('native'); adam is float32 arithmetic with the bits of every backend, also when it
 * measures its update (AdamArgs.stats), and so is gradStats' sum-only pass (both in
 * native/src/monitor_stats.c). The full gradStats pass, updateStats and copy give the same bits
 * on every backend and are delegated to `rest(float32)`
 * (the wasm backend for float32 arrays, which reads resident arrays in place, or the JS reference);
 * the LSTM/GRU gate steps run in C for float32 (the JS reference's bits; see nativeGates).
 * @example nativeBackend(loadNativeKernels()!, () => jsKernels).gemm({ ... });
 */
export function nativeBackend(addon: NativeAddon, rest: (float32: boolean) => Kernels): Kernels {
  return {
    impl: 'native',
    gemm(a: GemmArgs): void {
      float('gemm', a.c);
      nativeGemm(addon, a);
    },
    im2col(a: Im2colArgs): void {
      const col = float('im2col', a.col);
      addon.im2col(a.x as F, a.xOffset, geometryArray(a.g), col, a.colOffset, a.batch);
    },
    col2im(a: Im2colArgs): void {
      const x = float('col2im', a.x);
      addon.col2im(a.col as F, a.colOffset, geometryArray(a.g), x, a.xOffset, a.batch);
    },
    linearForward(a: LinearForwardArgs): void {
      const y = float('linearForward', a.y);
      addon.linearForward(a.x as F, a.w as F, a.bias as F | null, a.act, a.rows, a.inF, a.outF, y);
    },
    linearBackward(a: LinearBackwardArgs): void {
      const g = float('linearBackward', a.g);
      addon.linearBackward(
        g,
        a.y as F,
        a.x as F,
        a.w as F,
        a.act,
        a.rows,
        a.inF,
        a.outF,
        a.dx as F | null,
        a.dW as F | null,
        a.dWAccumulate,
        a.db as F | null,
        a.dbAccumulate,
      );
    },
    conv2dForward(a: Conv2dForwardArgs): void {
      const y = float('conv2dForward', a.y);
      addon.conv2dForward(
        a.x as F,
        a.w as F,
        a.bias as F | null,
        a.relu,
        geometryArray(a.g),
        a.n,
        a.o,
        y,
      );
    },
    conv2dBackward(a: Conv2dBackwardArgs): void {
      const gy = float('conv2dBackward', a.gy);
      addon.conv2dBackward(
        gy,
        a.y as F | null,
        a.x as F,
        a.w as F,
        geometryArray(a.g),
        a.n,
        a.o,
        a.dx as F | null,
        a.dW as F | null,
        a.dWAccumulate,
        a.db as F | null,
        a.dbAccumulate,
      );
    },
    rnnTanhForward(a: RnnForwardArgs): void {
      const hs = float('rnnTanhForward', a.hs);
      addon.rnnForward(
        a.x as F,
        a.wIh as F,
        a.bIh as F | null,
        a.bHh as F | null,
        a.whh as F,
        a.h0 as F | null,
        a.T,
        a.B,
        a.I,
        a.H,
        hs,
      );
    },
    rnnTanhBackward(a: RnnBackwardArgs): void {
      const g = float('rnnTanhBackward', a.g);
      const e = a.extras;
      addon.rnnBackward(
        g,
        a.hs as F,
        a.whh as F,
        a.T,
        a.B,
        a.H,
        a.dPre as F,
        a.dh0 as F | null,
        e !== undefined,
        (e?.h0 ?? null) as F | null,
        (e?.dWhh ?? null) as F | null,
        e?.accumulate ?? false,
        e?.biasSums ?? null,
      );
    },
    adam(a): void {
      // measuring the update (AdamArgs.stats): native/src/monitor_stats.c, or the same bits on
      // `rest` with an addon built before it
      if (a.stats !== undefined && a.stats !== null && a.p !== null) {
        if (!nativeAdamStats(addon, a)) rest(true).adam(a);
      } else addon.adam(a.p, a.g, a.m, a.v, a.coef);
    },
    // the sum-only pass in C (monitor_stats.c); the full one on `rest`
    gradStats: (a) => {
      if (!nativeSumSquares(addon, a)) rest(a.x instanceof Float32Array).gradStats(a);
    },
    updateStats: (a) =>
      rest(a.p instanceof Float32Array && a.q instanceof Float32Array).updateStats(a),
    copy: (dst, src) =>
      rest(dst instanceof Float32Array && src instanceof Float32Array).copy(dst, src),
    ...nativeGates(addon, rest),
    ...nativeCrossEntropy(addon, rest),
    ...nativePool(addon, rest),
    ...nativeTransformerOps(addon, rest),
    ...nativeAttention(addon, rest),
  };
}

type GateEntries = Pick<
  Kernels,
  'lstmGatesForward' | 'lstmGatesBackward' | 'gruGatesForward' | 'gruGatesBackward'
>;

/**
 * The LSTM/GRU gate steps of the native backend: float32 in C (native/src/rnn_gates.c, AVX2,
 * the bits of the JS reference), float64 on the JS reference (Math.exp and Math.tanh) via
 * `rest(false)`; an addon built before the gate kernels existed hands everything to `rest`.
 * @example const { lstmGatesForward } = nativeGates(addon, () => jsKernels);
 */
export function nativeGates(addon: NativeAddon, rest: (float32: boolean) => Kernels): GateEntries {
  // The addon's functions are looked up per call (a property load): nothing is read from the
  // addon until a gate step runs.
  return {
    lstmGatesForward(a): void {
      const fn = addon.lstmGatesForward;
      if (!(a.gates instanceof Float32Array) || fn === undefined)
        return rest(a.gates instanceof Float32Array).lstmGatesForward(a);
      const f = a as LstmGatesArgs<Float32Array>;
      fn(f.gates, f.gatesOffset, f.cPrev, f.cPrevOffset, f.c, f.cOffset, f.h, f.hOffset, f.B, f.H);
    },
    lstmGatesBackward(a): void {
      const fn = addon.lstmGatesBackward;
      if (!(a.gates instanceof Float32Array) || fn === undefined)
        return rest(a.gates instanceof Float32Array).lstmGatesBackward(a);
      const f = a as LstmGatesBackwardArgs<Float32Array>;
      fn(f.gates, f.gatesOffset, f.c, f.cOffset, f.cPrev, f.cPrevOffset, f.gh, f.ghOffset, f.dh, f.dc, f.dG, f.dGOffset, f.B, f.H); // prettier-ignore
    },
    gruGatesForward(a): void {
      const fn = addon.gruGatesForward;
      if (!(a.gates instanceof Float32Array) || fn === undefined)
        return rest(a.gates instanceof Float32Array).gruGatesForward(a);
      const f = a as GruGatesArgs<Float32Array>;
      fn(f.gates, f.gatesOffset, f.hp, f.bHh, f.hn, f.hnOffset, f.hPrev, f.hPrevOffset, f.h, f.hOffset, f.B, f.H); // prettier-ignore
    },
    gruGatesBackward(a): void {
      const fn = addon.gruGatesBackward;
      if (!(a.gates instanceof Float32Array) || fn === undefined)
        return rest(a.gates instanceof Float32Array).gruGatesBackward(a);
      const f = a as GruGatesBackwardArgs<Float32Array>;
      fn(f.gates, f.gatesOffset, f.hn, f.hnOffset, f.hPrev, f.hPrevOffset, f.gh, f.ghOffset, f.dh, f.dXP, f.dHP, f.dOffset, f.B, f.H); // prettier-ignore
    },
  };
}

type CrossEntropyEntries = Pick<Kernels, 'crossEntropyForward' | 'crossEntropyBackward'>;

/**
 * The softmax cross-entropy entries of the native backend: float32 logits in C
 * (native/src/losses.c, the bits of the JS reference; rows split over the pool for large
 * problems), float64 on the JS reference (Math.exp and Math.log) via `rest(false)`; an addon built
 * before these kernels existed hands everything to `rest`.
 * @example const { crossEntropyForward } = nativeCrossEntropy(addon, () => jsKernels);
 */
export function nativeCrossEntropy(
  addon: NativeAddon,
  rest: (float32: boolean) => Kernels,
): CrossEntropyEntries {
  return {
    crossEntropyForward(a): void {
      const fn = addon.crossEntropyForward;
      if (!(a.z instanceof Float32Array) || fn === undefined)
        return rest(a.z instanceof Float32Array).crossEntropyForward(a);
      const f = a as CrossEntropyForwardArgs<Float32Array>;
      fn(f.z, f.targets, f.n, f.c, f.ignoreIndex, f.weight, f.labelSmoothing, f.lse, f.perRow, f.sums); // prettier-ignore
    },
    crossEntropyBackward(a): void {
      const fn = addon.crossEntropyBackward;
      if (!(a.z instanceof Float32Array) || fn === undefined)
        return rest(a.z instanceof Float32Array).crossEntropyBackward(a);
      const f = a as CrossEntropyBackwardArgs<Float32Array>;
      fn(f.z, f.targets, f.n, f.c, f.ignoreIndex, f.weight, f.labelSmoothing, f.lse, f.scale, f.g, f.dz); // prettier-ignore
    },
  };
}

type PoolEntries = Pick<Kernels, 'maxPool2dForward' | 'maxPool2dBackward'>;

/**
 * The max pooling entries of the native backend: both dtypes in C (native/src/pool.c, whole
 * planes per thread, the JS reference's bits); an addon built before them hands them to `rest`.
 * @example const { maxPool2dForward } = nativePool(addon, () => jsKernels);
 */
export function nativePool(addon: NativeAddon, rest: (float32: boolean) => Kernels): PoolEntries {
  return {
    maxPool2dForward(a: MaxPool2dForwardArgs): void {
      const fn = addon.maxPool2dForward;
      if (fn === undefined) return rest(a.y instanceof Float32Array).maxPool2dForward(a);
      const y = float('maxPool2dForward', a.y);
      const g = a.g;
      fn(a.x as F, y, a.arg, g.planes, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW); // prettier-ignore
    },
    maxPool2dBackward(a: MaxPool2dBackwardArgs): void {
      const fn = addon.maxPool2dBackward;
      if (fn === undefined) return rest(a.dx instanceof Float32Array).maxPool2dBackward(a);
      const dx = float('maxPool2dBackward', a.dx);
      const g = a.g;
      fn(a.gy as F, a.arg, dx, g.planes, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW); // prettier-ignore
    },
  };
}

type TransformerEntries = Pick<
  Kernels,
  'geluForward' | 'geluBackward' | 'layerNormForward' | 'layerNormBackward'
>;

/**
 * GELU and layer normalisation on the native backend (native/src/transformer_ops.c, AVX2, the
 * bits of the JS reference): GELU in C for float32 (float64 GELU uses Math.exp/Math.tanh and
 * runs on the JS reference via `rest(false)`), layer normalisation in C for both dtypes; an
 * addon built before these kernels hands them to `rest`.
 * @example const { geluForward } = nativeTransformerOps(addon, () => jsKernels);
 */
export function nativeTransformerOps(
  addon: NativeAddon,
  rest: (float32: boolean) => Kernels,
): TransformerEntries {
  return {
    geluForward(a): void {
      const fn = addon.geluForward;
      if (!(a.x instanceof Float32Array) || fn === undefined)
        return rest(a.x instanceof Float32Array).geluForward(a);
      fn(a.x, a.y as Float32Array, a.n, a.approximate);
    },
    geluBackward(a): void {
      const fn = addon.geluBackward;
      if (!(a.x instanceof Float32Array) || fn === undefined)
        return rest(a.x instanceof Float32Array).geluBackward(a);
      fn(a.x, a.g as Float32Array, a.dx as Float32Array, a.n, a.approximate);
    },
    layerNormForward(a): void {
      const fn = addon.layerNormForward;
      if (fn === undefined) return rest(a.x instanceof Float32Array).layerNormForward(a);
      const y = float('layerNormForward', a.y);
      fn(a.x as F, a.gamma as F | null, a.beta as F | null, a.rows, a.d, a.eps, a.rms, y, a.mean, a.rstd); // prettier-ignore
    },
    layerNormBackward(a): void {
      const fn = addon.layerNormBackward;
      if (fn === undefined) return rest(a.g instanceof Float32Array).layerNormBackward(a);
      const g = float('layerNormBackward', a.g);
      fn(g, a.x as F, a.gamma as F | null, a.mean, a.rstd, a.rows, a.d, a.rms, a.dx as F | null, a.dGamma as F | null, a.dGammaAccumulate, a.dBeta as F | null, a.dBetaAccumulate); // prettier-ignore
    },
  };
}

type AttentionEntries = Pick<Kernels, 'attentionForward' | 'attentionBackward'>;

/**
 * The fused self-attention of the native backend: float32 in C (native/src/attention.c, the
 * (batch, head) pairs split over the pool, the bits of the JS reference for any thread count),
 * float64 on the JS reference (Math.exp) via `rest(false)`; an addon built before the attention
 * kernels existed hands everything to `rest`.
 * @example const { attentionForward } = nativeAttention(addon, () => jsKernels);
 */
export function nativeAttention(
  addon: NativeAddon,
  rest: (float32: boolean) => Kernels,
): AttentionEntries {
  return {
    attentionForward(a): void {
      const fn = addon.attentionForward;
      if (!(a.y instanceof Float32Array) || fn === undefined)
        return rest(a.y instanceof Float32Array).attentionForward(a);
      const f = a as AttentionForwardArgs<Float32Array>;
      fn(f.qkv, f.B, f.T, f.E, f.heads, f.causal, f.scale, f.p, f.y);
    },
    attentionBackward(a): void {
      const fn = addon.attentionBackward;
      if (!(a.dqkv instanceof Float32Array) || fn === undefined)
        return rest(a.dqkv instanceof Float32Array).attentionBackward(a);
      const f = a as AttentionBackwardArgs<Float32Array>;
      fn(f.g, f.qkv, f.p, f.B, f.T, f.E, f.heads, f.causal, f.scale, f.dqkv);
    },
  };
}
