import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Optimizer } from '../optim/optimizer.js';
import { chain } from '../optim/chain.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation, Params, StepContext } from '../optim/types.js';
import {
  agc,
  autoClip,
  byBlockRms,
  byGlobalNorm,
  byNorm,
  byValue,
  globalNorm,
  skipNonFinite,
  sortedPercentile,
  spikeClip,
  vectorNorm,
  zClip,
} from './index.js';

const SHAPES = [[3, 4], [4], [2, 3, 2]];

function randomGrads(seed: number, scale: number): Params {
  const rng = new Rng(seed);
  const out: Params = {};
  SHAPES.forEach((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const d = new Float64Array(n);
    rng.fillNormal(d, 0, scale);
    out[`g${i}`] = new Tensor(d, s);
  });
  return out;
}
const copy = (p: Params): Params =>
  Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.clone()]));
const flat = (p: Params): number[] => Object.values(p).flatMap((t) => [...t.data]);
function apply<S>(
  tx: GradientTransformation<S>,
  g: Params,
  params: Params = g,
  ctx?: StepContext,
): { out: Params; state: S } {
  const [out, state] = tx.update(copy(g), tx.init(params), params, ctx);
  return { out, state };
}

/** Stateless clippers with their "size after" measure and threshold. */
const STATELESS: {
  name: string;
  make: (c: number) => GradientTransformation<unknown>;
  measure: (p: Params) => number;
  idemTol: number;
}[] = [
  { name: 'byValue', make: (c) => byValue(c), measure: (p) => globalNorm(p, 'inf'), idemTol: 0 },
  {
    name: 'byNorm',
    make: (c) => byNorm(c),
    measure: (p) => Math.max(...Object.values(p).map((t) => vectorNorm(t.data, 2))),
    idemTol: 1e-15,
  },
  {
    name: 'byGlobalNorm (2)',
    make: (c) => byGlobalNorm(c),
    measure: (p) => globalNorm(p, 2),
    idemTol: 2e-6,
  },
  {
    name: 'byGlobalNorm (1)',
    make: (c) => byGlobalNorm(c, { normType: 1 }),
    measure: (p) => globalNorm(p, 1),
    idemTol: 2e-6,
  },
  {
    name: 'byGlobalNorm (inf)',
    make: (c) => byGlobalNorm(c, { normType: 'inf' }),
    measure: (p) => globalNorm(p, 'inf'),
    idemTol: 2e-6,
  },
  {
    name: 'byBlockRms',
    make: (c) => byBlockRms(c),
    measure: (p) =>
      Math.max(...Object.values(p).map((t) => vectorNorm(t.data, 2) / Math.sqrt(t.size))),
    idemTol: 1e-15,
  },
];

describe.each(STATELESS)('$name', ({ make, measure, idemTol }) => {
  it('brings the measure to ≤ the threshold, sets events.clipped, and is idempotent (PyTorch’s 1e-6 aside)', () => {
    const g = randomGrads(1, 3);
    const c = measure(g) / 4;
    const ctx: StepContext = {};
    const { out } = apply(make(c), g, g, ctx);
    expect(measure(out)).toBeLessThanOrEqual(c * (1 + 1e-15));
    expect(measure(out)).toBeGreaterThan(c * (1 - 1e-5));
    expect(ctx.events?.clipped).toBe(true);
    const again = apply(make(c), out).out;
    flat(again).forEach((x, i) =>
      expect(Math.abs(x - (flat(out)[i] as number))).toBeLessThanOrEqual(
        idemTol * Math.abs(flat(out)[i] as number),
      ),
    );
  });

  it('leaves gradients below the threshold bit-for-bit unchanged and raises no event', () => {
    const g = randomGrads(2, 0.5);
    const ctx: StepContext = {};
    const { out } = apply(make(measure(g) * 1.01), g, g, ctx);
    expect(flat(out).every((x, i) => Object.is(x, flat(g)[i]))).toBe(true);
    expect(ctx.events?.clipped ?? false).toBe(false);
  });
});

describe('byGlobalNorm', () => {
  it('records the norms and keeps the direction', () => {
    const g = randomGrads(3, 1);
    const total = globalNorm(g, 2);
    const { out, state } = apply(byGlobalNorm(1), g);
    expect(state.normBefore).toBe(total);
    expect(state.normAfter).toBeCloseTo(total / (total + 1e-6), 14);
    expect(state.clipped).toBe(true);
    const ratio = flat(out).map((x, i) => x / (flat(g)[i] as number));
    ratio.forEach((r) => expect(r).toBeCloseTo(1 / (total + 1e-6), 14));
    expect(() => byGlobalNorm(-1)).toThrow(/maxNorm = -1/);
    expect(() => byGlobalNorm(1, { normType: 0 })).toThrow(/normType = 0/);
    const nan = copy(g);
    (nan['g0'] as Tensor).data[0] = NaN;
    expect(() => apply(byGlobalNorm(1, { errorIfNonfinite: true }), nan)).toThrow(DataError);
  });
});

describe('agc', () => {
  it('clips each output unit (row) relative to its weight norm, leaving the others', () => {
    // W rows have norms 5 and 1e-4 (floored to ε = 1e-3); G rows have norms 0.1 and 1.
    const w = new Tensor(Float64Array.from([3, 4, 1e-4, 0]), [2, 2]);
    const g = new Tensor(Float64Array.from([0.06, 0.08, 0.6, 0.8]), [2, 2]);
    const b = new Tensor(Float64Array.from([1, 1]), [2]);
    const gb = new Tensor(Float64Array.from([3, 4]), [2]);
    const params = { w, b };
    const { out, state } = apply(agc(0.05), { w: g, b: gb }, params);
    // Row 0: 0.1/5 = 0.02 ≤ 0.05, unchanged. Row 1: 1/1e-3 > 0.05 → norm 0.05·1e-3.
    expect([...(out['w'] as Tensor).data].slice(0, 2)).toEqual([0.06, 0.08]);
    expect(vectorNorm((out['w'] as Tensor).data, 2, 2, 4)).toBeCloseTo(5e-5, 15);
    // The bias is one unit: ‖g‖ = 5 > 0.05·√2 → norm 0.05·√2.
    expect(vectorNorm((out['b'] as Tensor).data, 2)).toBeCloseTo(0.05 * Math.SQRT2, 14);
    expect(state.clippedCount).toBe(2);
    expect([...state.clippedUnits]).toEqual([1, 1]);
    // Weight-gradient norm before: √(0.1² + 1²); after: √(0.1² + (5e-5)²).
    expect(state.normBefore[0]).toBeCloseTo(Math.hypot(0.1, 1), 14);
    expect(state.normAfter[0]).toBeCloseTo(Math.hypot(0.1, 5e-5), 14);
    expect(state.normBefore[1]).toBeCloseTo(5, 14);
    const again = apply(agc(0.05), out, params).out;
    flat(again).forEach((x, i) => expect(x).toBeCloseTo(flat(out)[i] as number, 15));
  });
});

describe('autoClip', () => {
  it('uses NumPy-style percentiles of the norm history (current norm included)', () => {
    expect(sortedPercentile([1, 2, 3, 4], 4, 50)).toBe(2.5);
    expect(sortedPercentile([1, 2, 3, 4], 4, 10)).toBeCloseTo(1.3, 15);
    expect(sortedPercentile([5], 1, 10)).toBe(5);
    const norms = [4, 1, 3, 10, 2];
    const tx = autoClip({ percentile: 50 });
    const p = { w: new Tensor(new Float64Array([0]), [1]) };
    let s = tx.init(p);
    const seen: number[] = [];
    for (const n of norms) {
      seen.push(n);
      const sorted = [...seen].sort((a, b) => a - b);
      const k = (sorted.length - 1) / 2;
      const median = ((sorted[Math.floor(k)] as number) + (sorted[Math.ceil(k)] as number)) / 2;
      const [u, s2] = tx.update({ w: new Tensor(new Float64Array([n]), [1]) }, s, p);
      s = s2;
      expect(s.threshold).toBe(median);
      // As the paper's code (torch's clip_grad_norm_): factor median/(n + 1e-6) whenever below 1,
      // so a norm equal to the median is scaled by 1 − ~1e-6 too.
      const coef = median / (n + 1e-6);
      expect(u['w']?.data[0]).toBeCloseTo(coef < 1 ? n * coef : n, 14);
      expect(s.clipped).toBe(coef < 1);
    }
  });

  it('a bounded history keeps only the last n norms in preallocated buffers', () => {
    const tx = autoClip({ percentile: 0, historySize: 3 });
    const p = { w: new Tensor(new Float64Array([0]), [1]) };
    let s = tx.init(p);
    expect(s.history).toBeInstanceOf(Float64Array);
    const buf = s.sorted;
    for (const n of [1, 5, 6, 7, 8])
      [, s] = tx.update({ w: new Tensor(new Float64Array([n]), [1]) }, s, p);
    // Window {6, 7, 8}: the minimum (percentile 0) is 6.
    expect(s.threshold).toBe(6);
    expect(s.sorted).toBe(buf);
    expect([...s.sorted]).toEqual([6, 7, 8]);
    expect(() => autoClip({ historySize: 0 })).toThrow(ConfigError);
  });
});

describe('zClip', () => {
  function feed(opts: Parameters<typeof zClip>[0], norms: number[]) {
    const tx = zClip(opts);
    const p = { w: new Tensor(new Float64Array([0]), [1]) };
    let s = tx.init(p);
    const outs: number[] = [];
    const events: boolean[] = [];
    for (const n of norms) {
      const ctx: StepContext = {};
      const r = tx.update({ w: new Tensor(new Float64Array([n]), [1]) }, s, p, ctx);
      s = r[1];
      outs.push(r[0]['w']?.data[0] as number);
      events.push(ctx.events?.spike ?? false);
    }
    return { s, outs, events };
  }

  it('warm-up initialises μ, σ² from the first norms; a spike is clipped to μ + (z_thr²/z)σ', () => {
    // Warm-up norms 1, 2, 3: μ = 2, σ² = 2/3. Then 2.5 (z < 2.5, kept, EMA updated), then 100.
    const { s, outs, events } = feed({ warmupSteps: 3, alpha: 0.9 }, [1, 2, 3, 2.5, 100]);
    let mean = 2;
    let variance = 2 / 3;
    mean = 0.9 * mean + 0.1 * 2.5;
    variance = 0.9 * variance + 0.1 * (2.5 - mean) ** 2;
    const std = Math.sqrt(variance);
    const z = (100 - mean) / (std + 1e-6);
    const level = mean + (2.5 * 2.5 * std) / z;
    expect(outs.slice(0, 4)).toEqual([1, 2, 3, 2.5]);
    expect(outs[4]).toBeCloseTo(100 * (level / (100 + 1e-6)), 12);
    expect(events).toEqual([false, false, false, false, true]);
    expect(s.z).toBeCloseTo(z, 10);
    expect(s.mean).toBeCloseTo(0.9 * mean + 0.1 * level, 12);
    expect(s.spikeSteps).toBe(1);
  });

  it("'mean' clips to μ; 'percentile' to μ + z_thr·σ; skipUpdateOnSpike keeps the EMA", () => {
    const m = feed({ warmupSteps: 3, clipOption: 'mean' }, [1, 2, 3, 50]);
    expect(m.outs[3]).toBeCloseTo(50 * (2 / (50 + 1e-6)), 12);
    const p = feed({ warmupSteps: 3, mode: 'percentile' }, [1, 2, 3, 50]);
    const ceiling = 2 + 2.5 * Math.sqrt(2 / 3);
    expect(p.outs[3]).toBeCloseTo(50 * (ceiling / (50 + 1e-6)), 12);
    const k = feed({ warmupSteps: 3, skipUpdateOnSpike: true }, [1, 2, 3, 50]);
    expect(k.s.mean).toBe(2);
    expect(() => zClip({ mode: 'max' as never })).toThrow(/mode = "max"/);
  });
});

describe('spikeClip', () => {
  it('clips elements with g² > θv to sign(g)√(θv) (v = EMA of g² before the step), from startStep on', () => {
    const tx = spikeClip({ threshold: 4, decay: 0.5, startStep: 2 });
    const p = { w: new Tensor(new Float64Array(2), [2]) };
    let s = tx.init(p);
    [, s] = tx.update({ w: new Tensor(Float64Array.from([1, -1]), [2]) }, s, p);
    // v = 0.5·[1, 1]; θv = 2: g = [1, −10] → 1 kept (1 ≤ 2), −10 → −√2.
    const ctx: StepContext = {};
    const [u, s2] = tx.update({ w: new Tensor(Float64Array.from([1, -10]), [2]) }, s, p, ctx);
    expect(u['w']?.data[0]).toBe(1);
    expect(u['w']?.data[1]).toBeCloseTo(-Math.SQRT2, 15);
    expect(s2.clippedCount).toBe(1);
    expect(ctx.events?.spike).toBe(true);
    expect(s2.nu['w']?.[1]).toBeCloseTo(0.5 * 0.5 + 0.5 * 2, 15);
  });
});

describe('clipping in a training chain', () => {
  it('byGlobalNorm + skipNonFinite inside an Optimizer: events reported per step', () => {
    const w = new Tensor(Float64Array.from([0, 0]), [2]);
    const opt = new Optimizer({ w }, skipNonFinite(chain(byGlobalNorm(1), sgd({ lr: 1 }))));
    w.grad = new Tensor(Float64Array.from([3, 4]), [2]);
    expect(opt.step().clipped).toBe(true);
    expect(w.data[0]).toBeCloseTo(-0.6, 6);
    w.grad = new Tensor(Float64Array.from([0.3, 0.4]), [2]);
    const ev = opt.step();
    expect(ev.clipped).toBe(false);
    w.grad = new Tensor(Float64Array.from([NaN, 0]), [2]);
    expect(opt.step().nonFinite).toBe(true);
  });
});
