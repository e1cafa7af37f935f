import { ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, type DType, type TypedArray } from '../tensor/dtype.js';
import { assertSameDtype, Tensor, type GradSink } from '../tensor/tensor.js';
import { kernelsFor } from '../kernels/select.js';
import { inputProjectionJs } from '../kernels/js/rnn.js';
import { gemm } from '../kernels/backend.js';
import type { GemmCall } from '../kernels/types.js';
import type {
  GruGatesBackwardCall,
  GruGatesCall,
  LstmGatesBackwardCall,
  LstmGatesCall,
} from '../kernels/args.js';

/**
 * Result of {@link rnnTanh} and {@link gru}: every hidden state and the last one.
 * @inline
 */
export interface RnnResult {
  /** h_1..h_T, shape `[T, B, H]`. */
  output: Tensor;
  /** h_T, shape `[B, H]` (a differentiable view of the last step of `output`). */
  hLast: Tensor;
}

/**
 * Result of {@link lstm}.
 * @inline
 */
export interface LstmResult extends RnnResult {
  /** c_T, shape `[B, H]`. */
  cLast: Tensor;
}

interface Seq {
  op: string;
  dtype: DType;
  t: number;
  b: number;
  i: number;
  h: number;
  /** Gate count G: rows of the weights are G·H. */
  g: number;
  x: Tensor;
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  h0: Tensor | null;
  c0: Tensor | null;
  /** Node inputs in order, and where each optional one sits. */
  inputs: Tensor[];
}

function prepare(
  op: string,
  gates: number,
  x: Tensor,
  wIh: Tensor,
  wHh: Tensor,
  biasIh: Tensor | null | undefined,
  biasHh: Tensor | null | undefined,
  h0: Tensor | null | undefined,
  c0: Tensor | null | undefined,
): Seq {
  const bIh = biasIh ?? null;
  const bHh = biasHh ?? null;
  const s0 = h0 ?? null;
  const s1 = c0 ?? null;
  const opt = [bIh, bHh, s0, s1].filter((v): v is Tensor => v !== null);
  assertSameDtype(op, x, wIh, wHh, ...opt);
  if (x.ndim !== 3 || (x.shape[0] as number) < 1) {
    throw new ShapeError(`${op}: input must be [T, B, I] with T >= 1, got shape ${fmt(x.shape)}`);
  }
  const [t, b, i] = x.shape as [number, number, number];
  if (wHh.ndim !== 2 || (wHh.shape[0] as number) !== gates * (wHh.shape[1] as number)) {
    throw new ShapeError(
      `${op}: weightHh must be [${gates}·H, H] (${gates} gates), got shape ${fmt(wHh.shape)}`,
    );
  }
  const h = wHh.shape[1] as number;
  const gh = gates * h;
  if (wIh.ndim !== 2 || wIh.shape[0] !== gh || wIh.shape[1] !== i) {
    throw new ShapeError(
      `${op}: weightIh must be [${gh}, ${i}] (${gates}·H rows, I = input features of ${fmt(x.shape)}), got ${fmt(wIh.shape)}`,
    );
  }
  for (const [name, v] of [
    ['biasIh', bIh],
    ['biasHh', bHh],
  ] as const) {
    if (v && (v.ndim !== 1 || v.shape[0] !== gh))
      throw new ShapeError(`${op}: ${name} must have shape [${gh}], got ${fmt(v.shape)}`);
  }
  for (const [name, v] of [
    ['h0', s0],
    ['c0', s1],
  ] as const) {
    if (!v) continue;
    const ok =
      (v.ndim === 2 && v.shape[0] === b && v.shape[1] === h) ||
      (v.ndim === 3 && v.shape[0] === 1 && v.shape[1] === b && v.shape[2] === h);
    if (!ok)
      throw new ShapeError(
        `${op}: ${name} must have shape [${b}, ${h}] (batch, hidden), got ${fmt(v.shape)}`,
      );
  }
  return {
    op,
    dtype: x.dtype,
    t,
    b,
    i,
    h,
    g: gates,
    x,
    wIh,
    wHh,
    bIh,
    bHh,
    h0: s0,
    c0: s1,
    inputs: [x, wIh, wHh, ...opt],
  };
}

/**
 * XP[T·B, G·H] = X·W_ihᵀ + b_ih (+ b_hh when `addHh`; summed left to right in the working
 * precision, rounded once to the dtype): the input projection of all steps at once.
 */
function inputProjection(
  s: Seq,
  addHh: boolean,
  xp: TypedArray = allocData(s.dtype, s.t * s.b * s.g * s.h),
): TypedArray {
  const b1 = s.bIh ? s.bIh.data : addHh && s.bHh ? s.bHh.data : null;
  const b2 = s.bIh && addHh && s.bHh ? s.bHh.data : null;
  inputProjectionJs({
    x: s.x.data,
    wIh: s.wIh.data,
    b1,
    b2,
    rows: s.t * s.b,
    gh: s.g * s.h,
    inF: s.i,
    xp,
  });
  return xp;
}

/** Column sums Σ_r src[r·cols + j] in double precision (one pass; shared by both biases when
 * the input-side and recurrent-side gradients are the same array, as for RNN and LSTM). */
function colSums(src: TypedArray, rows: number, cols: number): Float64Array {
  const d = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) d[j] = (d[j] as number) + (src[o + j] as number);
  }
  return d;
}

/** A bias's gradient from its column sums, added into its gradient buffer when it has one (→ null). */
function biasGrad(bias: Tensor, sums: Float64Array, dtype: DType, sink: GradSink): Tensor | null {
  const acc = sink.buffer(bias);
  if (acc !== null) {
    for (let j = 0; j < sums.length; j++) acc[j] = (acc[j] as number) + (sums[j] as number);
    return null;
  }
  const d = allocData(dtype, sums.length);
  d.set(sums);
  return new Tensor(d, bias.shape);
}

/** What a cell's wasm backward already computed (see sequenceGrads): W_hh's gradient result and
 * dHP's float64 column sums (dHP = dXP). */
interface DoneGrads {
  wHh: Tensor | null;
  sums: Float64Array | null;
}

/**
 * Gradients shared by the three cells, from the pre-activation gradients of all steps:
 * dXP (input side) and dHP (recurrent side; the same array for RNN/LSTM), and the hidden
 * states `hs` ([T, B, H] contiguous from offset 0): dX = dXP·W_ih, dW_ih = dXPᵀ·X,
 * dW_hh = Σ_t dHP_tᵀ·h_{t−1}, db = column sums. Returned in the order of `s.inputs`, with dh0/dc0.
 */
function sequenceGrads(
  s: Seq,
  sink: GradSink,
  dXP: TypedArray,
  dHP: TypedArray,
  hs: TypedArray,
  dh0: TypedArray | null,
  dc0: TypedArray | null,
  done?: DoneGrads,
): (Tensor | null)[] {
  const rows = s.t * s.b;
  const gh = s.g * s.h;
  const res: (Tensor | null)[] = [];
  if (s.x.requiresGrad) {
    const d = allocData(s.dtype, s.x.size);
    gemm({
      transA: false,
      transB: false,
      m: rows,
      n: s.i,
      k: gh,
      alpha: 1,
      a: dXP,
      aOffset: 0,
      b: s.wIh.data,
      bOffset: 0,
      beta: 0,
      c: d,
      cOffset: 0,
    });
    res.push(new Tensor(d, s.x.shape));
  } else res.push(null);
  // Weight and bias gradients go straight into a parameter's existing gradient buffer when
  // there is one (the gradient sink): accumulate = true there, and null is returned for it.
  if (s.wIh.requiresGrad) {
    const acc = sink.buffer(s.wIh);
    const d = acc ?? allocData(s.dtype, s.wIh.size);
    gemm({
      transA: true,
      transB: false,
      m: gh,
      n: s.i,
      k: rows,
      alpha: 1,
      a: dXP,
      aOffset: 0,
      b: s.x.data,
      bOffset: 0,
      beta: acc !== null ? 1 : 0,
      c: d,
      cOffset: 0,
    });
    res.push(acc !== null ? null : new Tensor(d, s.wIh.shape));
  } else res.push(null);
  if (done !== undefined) res.push(done.wHh);
  else if (s.wHh.requiresGrad) {
    const acc = sink.buffer(s.wHh);
    const d = acc ?? allocData(s.dtype, s.wHh.size);
    // Steps 1..T−1 read h_0..h_{T−2}, which are contiguous in `hs`: one GEMM for all of them.
    const later = (s.t - 1) * s.b;
    const dW: GemmCall = {
      transA: true,
      transB: false,
      m: gh,
      n: s.h,
      k: later,
      alpha: 1,
      a: dHP,
      aOffset: s.b * gh,
      b: hs,
      bOffset: 0,
      beta: acc !== null ? 1 : 0,
      c: d,
      cOffset: 0,
    };
    if (later > 0) gemm(dW);
    if (s.h0) {
      dW.k = s.b;
      dW.aOffset = 0;
      dW.b = s.h0.data;
      dW.beta = later > 0 || acc !== null ? 1 : 0;
      gemm(dW);
    }
    res.push(acc !== null ? null : new Tensor(d, s.wHh.shape));
  } else res.push(null);
  const needX = s.bIh?.requiresGrad === true;
  const needH = s.bHh?.requiresGrad === true;
  const sumsX = needX || (needH && dHP === dXP) ? (done?.sums ?? colSums(dXP, rows, gh)) : null;
  const sumsH = needH ? (dHP === dXP ? sumsX : colSums(dHP, rows, gh)) : null;
  if (s.bIh) res.push(needX ? biasGrad(s.bIh, sumsX as Float64Array, s.dtype, sink) : null);
  if (s.bHh) res.push(needH ? biasGrad(s.bHh, sumsH as Float64Array, s.dtype, sink) : null);
  if (s.h0) res.push(s.h0.requiresGrad && dh0 ? new Tensor(dh0, s.h0.shape) : null);
  if (s.c0) res.push(s.c0.requiresGrad && dc0 ? new Tensor(dc0, s.c0.shape) : null);
  return res;
}

/** A differentiable view of `count` elements of `src` from `offset` (no copy in the forward). */
function viewOf(src: Tensor, offset: number, shape: number[], op: string): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const out = new Tensor(src.data.subarray(offset, offset + size), shape);
  return record(op, out, [src], (g) => {
    const d = allocData(src.dtype, src.size);
    d.set(g.data, offset);
    return [new Tensor(d, src.shape)];
  });
}

/** Whether the recurrent product for step 0 (and dh0) is needed: only with a given h0. */
function needDh0(s: Seq): boolean {
  return s.h0 !== null && s.h0.requiresGrad;
}

/**
 * Elman RNN with tanh over a whole sequence (PyTorch's `nn.RNN(nonlinearity='tanh')`, one layer):
 * h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh). One tape node for the sequence
 * (fused BPTT): dpre_t = (g_t + dh_t)·(1 − h_t²), dh_{t−1} = dpre_t·W_hh.
 *
 * @example
 * const { output, hLast } = rnnTanh(x, wIh, wHh, bIh, bHh); // x [T, B, I] -> output [T, B, H]
 * @see https://doi.org/10.1207/s15516709cog1402_1 (Elman 1990)
 */
export function rnnTanh(
  input: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh?: Tensor | null,
  biasHh?: Tensor | null,
  h0?: Tensor | null,
): RnnResult {
  const s = prepare('rnnTanh', 1, input, weightIh, weightHh, biasIh, biasHh, h0, null);
  // float32 results take the rational tanh approximation (≤ 2 ulp, ~3× faster; in the kernels).
  const { t: T, b: B, h: H } = s;
  const bh = B * H;
  const whh = weightHh.data;
  // One backend for the forward and the VJP, chosen by dtype and the per-step GEMM (B×H×H).
  const k = kernelsFor(s.dtype, B, H, H);
  const hs = allocData(s.dtype, T * bh);
  k.rnnTanhForward({
    x: s.x.data,
    wIh: s.wIh.data,
    bIh: s.bIh ? s.bIh.data : null,
    bHh: s.bHh ? s.bHh.data : null,
    whh,
    h0: s.h0 ? s.h0.data : null,
    T,
    B,
    I: s.i,
    H,
    hs,
  });
  const output = new Tensor(hs, [T, B, H]);
  record('rnnTanh', output, s.inputs, (g, sink) => {
    const dPre = allocData(s.dtype, T * bh);
    const dh0 = needDh0(s) ? allocData(s.dtype, bh) : null;
    // dW_hh (into the gradient arena when there is one) and the bias sums come from the same
    // kernel call (on wasm, while dpre is in wasm memory).
    const accW = sink.buffer(s.wHh);
    const dW = s.wHh.requiresGrad ? (accW ?? allocData(s.dtype, s.wHh.size)) : null;
    const sums = s.bIh?.requiresGrad || s.bHh?.requiresGrad ? new Float64Array(H) : null;
    k.rnnTanhBackward({
      g: g.data,
      hs,
      whh,
      T,
      B,
      H,
      dPre,
      dh0,
      extras: { h0: s.h0 ? s.h0.data : null, dWhh: dW, accumulate: accW !== null, biasSums: sums },
    });
    const done: DoneGrads = {
      wHh: dW !== null && accW === null ? new Tensor(dW, s.wHh.shape) : null,
      sums,
    };
    return sequenceGrads(s, sink, dPre, dPre, hs, dh0, null, done);
  });
  return { output, hLast: viewOf(output, (T - 1) * bh, [B, H], 'rnnTanh.hLast') };
}

/**
 * LSTM over a whole sequence (PyTorch's `nn.LSTM`, one layer, gates i, f, g, o stacked in the
 * weight rows): i, f, o = σ(·), g = tanh(·) of W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh;
 * c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t). Fused BPTT over saved gates and cell states:
 * dc_t = dc_{t+1}·f_{t+1} + dh_t·o·(1 − tanh²c_t); the gate gradients follow by the chain rule.
 * output, hLast and cLast are views of one tape node, so any loss on any of them backpropagates.
 *
 * @example
 * const { output, hLast, cLast } = lstm(x, wIh, wHh, bIh, bHh, h0, c0); // h0, c0 optional
 * @see https://doi.org/10.1162/neco.1997.9.8.1735 (Hochreiter & Schmidhuber 1997)
 */
export function lstm(
  input: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh?: Tensor | null,
  biasHh?: Tensor | null,
  h0?: Tensor | null,
  c0?: Tensor | null,
): LstmResult {
  const s = prepare('lstm', 4, input, weightIh, weightHh, biasIh, biasHh, h0, c0);
  const { t: T, b: B, h: H } = s;
  const bh = B * H;
  const g4 = 4 * H;
  // One backend for the gate steps of the forward and the VJP (the GEMMs route by size).
  const k = kernelsFor(s.dtype, B, g4, H);
  const gates = inputProjection(s, true); // pre-activations, then the activated gates i, f, g, o
  const cs = allocData(s.dtype, T * bh);
  // Packed result: h_1..h_T as [T, B, H], then c_T — one node, three views.
  const packed = allocData(s.dtype, (T + 1) * bh);
  const whh = weightHh.data;
  const c0d = s.c0 ? s.c0.data : null;
  // gates_t += h_{t−1}·W_hhᵀ: one options object for every step (no allocation per step).
  const rec: GemmCall = {
    transA: false,
    transB: true,
    m: B,
    n: g4,
    k: H,
    alpha: 1,
    a: s.h0 ? s.h0.data : packed,
    aOffset: 0,
    b: whh,
    bOffset: 0,
    beta: 1,
    c: gates,
    cOffset: 0,
  };
  const step: LstmGatesCall = {
    gates,
    gatesOffset: 0,
    cPrev: c0d,
    cPrevOffset: 0,
    c: cs,
    cOffset: 0,
    h: packed,
    hOffset: 0,
    B,
    H,
  };
  for (let t = 0; t < T; t++) {
    const go = t * B * g4;
    if (t > 0) {
      rec.a = packed;
      rec.aOffset = (t - 1) * bh;
      rec.cOffset = go;
      gemm(rec);
    } else if (s.h0) gemm(rec);
    // The pointwise gates (float32 takes the rational tanh approximation, ≤ 2 ulp).
    step.gatesOffset = go;
    if (t > 0) {
      step.cPrev = cs;
      step.cPrevOffset = (t - 1) * bh;
    }
    step.cOffset = t * bh;
    step.hOffset = t * bh;
    k.lstmGatesForward(step);
  }
  packed.set(cs.subarray((T - 1) * bh, T * bh), T * bh);
  const node = new Tensor(packed, [T + 1, B, H]);
  record('lstm', node, s.inputs, (g, sink) => {
    const gd = g.data;
    const dG = allocData(s.dtype, T * B * g4);
    const dh = allocData(s.dtype, bh);
    const dc = allocData(s.dtype, bh);
    dc.set(gd.subarray(T * bh, (T + 1) * bh));
    // dh = dG_t·W_hh, one options object for every step.
    const back: GemmCall = {
      transA: false,
      transB: false,
      m: B,
      n: H,
      k: g4,
      alpha: 1,
      a: dG,
      aOffset: 0,
      b: whh,
      bOffset: 0,
      beta: 0,
      c: dh,
      cOffset: 0,
    };
    const gateStep: LstmGatesBackwardCall = {
      gates,
      gatesOffset: 0,
      c: cs,
      cOffset: 0,
      cPrev: c0d,
      cPrevOffset: 0,
      gh: gd,
      ghOffset: 0,
      dh,
      dc,
      dG,
      dGOffset: 0,
      B,
      H,
    };
    for (let t = T - 1; t >= 0; t--) {
      const go = t * B * g4;
      gateStep.gatesOffset = go;
      gateStep.cOffset = t * bh;
      gateStep.cPrev = t > 0 ? cs : c0d;
      gateStep.cPrevOffset = t > 0 ? (t - 1) * bh : 0;
      gateStep.ghOffset = t * bh;
      gateStep.dGOffset = go;
      k.lstmGatesBackward(gateStep);
      if (t > 0 || needDh0(s)) {
        back.aOffset = go;
        gemm(back);
      }
    }
    return sequenceGrads(s, sink, dG, dG, packed, needDh0(s) ? dh : null, dc);
  });
  return {
    output: viewOf(node, 0, [T, B, H], 'lstm.output'),
    hLast: viewOf(node, (T - 1) * bh, [B, H], 'lstm.hLast'),
    cLast: viewOf(node, T * bh, [B, H], 'lstm.cLast'),
  };
}

/**
 * GRU over a whole sequence (PyTorch's `nn.GRU`, one layer, gates r, z, n):
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h_t = (1 − z)⊙n + z⊙h_{t−1}.
 * Fused BPTT over saved r, z, n and W_hn h + b_hn.
 *
 * @example
 * const { output, hLast } = gru(x, wIh, wHh, bIh, bHh, h0);
 * @see https://arxiv.org/abs/1406.1078 (Cho et al. 2014)
 */
export function gru(
  input: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh?: Tensor | null,
  biasHh?: Tensor | null,
  h0?: Tensor | null,
): RnnResult {
  const s = prepare('gru', 3, input, weightIh, weightHh, biasIh, biasHh, h0, null);
  const { t: T, b: B, h: H } = s;
  const bh = B * H;
  const g3 = 3 * H;
  // One backend for the gate steps of the forward and the VJP (the GEMMs route by size).
  const k = kernelsFor(s.dtype, B, g3, H);
  // b_hn sits inside r⊙(·), so b_hh cannot be folded into the input projection.
  const gates = inputProjection(s, false);
  const hn = allocData(s.dtype, T * bh); // W_hn·h_{t−1} + b_hn, needed for ∂/∂r
  const hp = allocData(s.dtype, B * g3);
  const hs = allocData(s.dtype, T * bh);
  const whh = weightHh.data;
  const bhh = s.bHh ? s.bHh.data : null;
  const h0d = s.h0 ? s.h0.data : null;
  // hp = h_{t−1}·W_hhᵀ: one options object for every step (no allocation per step).
  const rec: GemmCall = {
    transA: false,
    transB: true,
    m: B,
    n: g3,
    k: H,
    alpha: 1,
    a: h0d ?? hs,
    aOffset: 0,
    b: whh,
    bOffset: 0,
    beta: 0,
    c: hp,
    cOffset: 0,
  };
  const step: GruGatesCall = {
    gates,
    gatesOffset: 0,
    hp,
    bHh: bhh,
    hn,
    hnOffset: 0,
    hPrev: h0d,
    hPrevOffset: 0,
    h: hs,
    hOffset: 0,
    B,
    H,
  };
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      rec.a = hs;
      rec.aOffset = (t - 1) * bh;
      gemm(rec);
    } else if (h0d) gemm(rec);
    else hp.fill(0);
    // The pointwise gates (float32 takes the rational tanh approximation, ≤ 2 ulp).
    step.gatesOffset = t * B * g3;
    step.hnOffset = t * bh;
    if (t > 0) {
      step.hPrev = hs;
      step.hPrevOffset = (t - 1) * bh;
    }
    step.hOffset = t * bh;
    k.gruGatesForward(step);
  }
  const output = new Tensor(hs, [T, B, H]);
  record('gru', output, s.inputs, (g, sink) => {
    const gd = g.data;
    const dXP = allocData(s.dtype, T * B * g3);
    const dHP = allocData(s.dtype, T * B * g3);
    const dh = allocData(s.dtype, bh);
    // dh += dHP_t·W_hh, one options object for every step.
    const back: GemmCall = {
      transA: false,
      transB: false,
      m: B,
      n: H,
      k: g3,
      alpha: 1,
      a: dHP,
      aOffset: 0,
      b: whh,
      bOffset: 0,
      beta: 1,
      c: dh,
      cOffset: 0,
    };
    const gateStep: GruGatesBackwardCall = {
      gates,
      gatesOffset: 0,
      hn,
      hnOffset: 0,
      hPrev: h0d,
      hPrevOffset: 0,
      gh: gd,
      ghOffset: 0,
      dh,
      dXP,
      dHP,
      dOffset: 0,
      B,
      H,
    };
    for (let t = T - 1; t >= 0; t--) {
      const go = t * B * g3;
      gateStep.gatesOffset = go;
      gateStep.hnOffset = t * bh;
      gateStep.hPrev = t > 0 ? hs : h0d;
      gateStep.hPrevOffset = t > 0 ? (t - 1) * bh : 0;
      gateStep.ghOffset = t * bh;
      gateStep.dOffset = go;
      // dh ← dh·z (the direct path h_{t−1} → h_t); the gate paths are added by the GEMM below.
      k.gruGatesBackward(gateStep);
      if (t > 0 || needDh0(s)) {
        back.aOffset = go;
        gemm(back);
      }
    }
    return sequenceGrads(s, sink, dXP, dHP, hs, needDh0(s) ? dh : null, null);
  });
  return { output, hLast: viewOf(output, (T - 1) * bh, [B, H], 'gru.hLast') };
}
