import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import {
  Optimizer,
  adam,
  adamax,
  partition,
  scaleByAdam,
  sgd,
  type GradientTransformation,
  type NamedChainState,
  type TraceState,
} from './index.js';

/** A 1-element parameter and its gradient tensor, reused every step (no allocation). */
function scalarParam(x0: number) {
  const x = new Tensor(new Float64Array([x0]), [1]);
  const g = new Tensor(new Float64Array(1), [1]);
  x.grad = g;
  return { x, g };
}

describe('E3 — Reddi, Kale & Kumar 2018: Adam does not converge on a simple online problem', () => {
  /**
   * Online linear losses f_t(x) = c_t·x on [−1, 1] (projection after each step), x_1 = 1. The
   * regret is R_T = Σ f_t(x_t) − min_x Σ f_t(x) = Σ c_t·x_t + |Σ c_t|.
   */
  function online(tx: GradientTransformation<unknown>, T: number, c: (t: number) => number) {
    const { x, g } = scalarParam(1);
    const opt = new Optimizer({ x }, tx);
    let loss = 0;
    let sum = 0;
    let tail = 0;
    for (let t = 1; t <= T; t++) {
      const ct = c(t);
      const xt = x.data[0] as number;
      loss += ct * xt;
      sum += ct;
      if (t > T - 300) tail += xt;
      g.data[0] = ct;
      opt.step();
      x.data[0] = Math.min(1, Math.max(-1, x.data[0] as number));
    }
    return { xT: x.data[0] as number, avgRegret: (loss + Math.abs(sum)) / T, tailMean: tail / 300 };
  }

  it('f_t = 3x if t mod 3 = 1 else −x, β1 = 0, β2 = 0.1, α_t = 0.1/√t, T = 30 000', () => {
    // The optimum is x = −1 (Σ c_t = T/3 > 0); Adam's large gradient every third step is damped
    // by its own v, so Adam drifts to +1, the worst point (regret → 2/3 per step).
    const c = (t: number): number => (t % 3 === 1 ? 3 : -1);
    const lr = (s: number): number => 0.1 / Math.sqrt(s + 1);
    const T = 30_000;
    const a = online(adam({ lr, b1: 0, b2: 0.1 }), T, c);
    const ams = online(adam({ lr, b1: 0, b2: 0.1, amsgrad: true }), T, c);
    const gd = online(sgd({ lr }), T, c);
    expect(a.tailMean).toBeGreaterThan(0.99);
    expect(a.avgRegret).toBeGreaterThan(0.5);
    expect(a.avgRegret).toBeCloseTo(2 / 3, 2);
    for (const r of [ams, gd]) {
      expect(r.xT).toBeLessThan(-0.99);
      expect(r.avgRegret).toBeLessThan(0.1);
    }
  });

  it('§5: f_t = 1010x once every 101 steps else −10x, β = (0.9, 0.99), α_t = 0.5/√t, T = 1e5', () => {
    // The paper's Adam and AMSGrad (Algorithms 1–2) have no bias correction: debias: false. With
    // PyTorch's bias-corrected max (amsgrad: true alone) AMSGrad also heads to −1 but more slowly,
    // since its early steps, where α_t is largest, are divided by √(v_max/(1 − β2^t)).
    const c = (t: number): number => (t % 101 === 1 ? 1010 : -10);
    const lr = (s: number): number => 0.5 / Math.sqrt(s + 1);
    const T = 100_000;
    const a = online(adam({ lr, b1: 0.9, b2: 0.99, debias: false }), T, c);
    const ams = online(adam({ lr, b1: 0.9, b2: 0.99, amsgrad: true, debias: false }), T, c);
    expect(a.xT).toBeGreaterThan(0.95);
    expect(ams.xT).toBeLessThan(-0.9);
    expect(a.avgRegret).toBeGreaterThan(ams.avgRegret);
  });
});

describe('E5 — Kingma & Ba 2015: exactness and bias correction', () => {
  function trajectory(tx: GradientTransformation<unknown>, grads: number[]): number[] {
    const { x, g } = scalarParam(0);
    const opt = new Optimizer({ x }, tx);
    return grads.map((gt) => {
      g.data[0] = gt;
      opt.step();
      return x.data[0] as number;
    });
  }
  const grads = [1, -2, 3, 0.5, 0];

  it('(a) Adam with the defaults: θ_1..θ_5 to 1e-12 relative', () => {
    const expected = [
      -9.9999999e-4, -6.338964652793e-4, -9.771375439827e-4, -1.33284539074e-3, -1.633499632289e-3,
    ];
    const got = trajectory(adam(), grads);
    got.forEach((v, i) => expect(Math.abs(v / (expected[i] as number) - 1)).toBeLessThan(1e-12));
  });

  it('(a) AdaMax (α = 0.002, no ε as in the paper): θ_1..θ_5 to 1e-12 relative', () => {
    const expected = [
      -2.0e-3, -1.421052631579e-3, -1.915517576228e-3, -2.363576374583e-3, -2.702560761227e-3,
    ];
    const got = trajectory(adamax({ lr: 0.002, eps: 0 }), grads);
    got.forEach((v, i) => expect(Math.abs(v / (expected[i] as number) - 1)).toBeLessThan(1e-12));
  });

  it('(b) the first step is α with bias correction, α(1 − β1)/√(1 − β2) without', () => {
    const alpha = 1e-3;
    for (const g0 of [1e-3, 1, -50]) {
      for (const b2 of [0.999, 0.9999]) {
        const [corrected] = trajectory(adam({ lr: alpha, b2, eps: 0 }), [g0]);
        const [raw] = trajectory(adam({ lr: alpha, b2, eps: 0, debias: false }), [g0]);
        expect(Math.abs(corrected as number) / alpha).toBeCloseTo(1, 12);
        expect(Math.abs(raw as number) / alpha).toBeCloseTo(0.1 / Math.sqrt(1 - b2), 10);
      }
    }
    // 3.162α at β2 = 0.999, 10α at 0.9999.
    expect(0.1 / Math.sqrt(0.001)).toBeCloseTo(3.162, 3);
    expect(0.1 / Math.sqrt(0.0001)).toBeCloseTo(10, 12);
  });

  it('(b) the strict bounds: |Δ|/α reaches (1 − β1)/√(1 − β2)/√(1 − β1²/β2) ≈ 7.27 (AdaMax: (1 − β1)/(1 − β1/β2) ≈ 1.00909)', () => {
    // By Cauchy–Schwarz, |m/√v| ≤ (1 − β1)/√(1 − β2)·√(Σ_k (β1²/β2)^k), with equality for
    // g_s ∝ (β1/β2)^{T−s}; for AdaMax m/u ≤ (1 − β1)·Σ_k (β1/β2)^k with equality for g_s = β2^{−(T−s)}.
    const b1 = 0.9;
    const b2 = 0.999;
    const adamBound = (1 - b1) / Math.sqrt(1 - b2) / Math.sqrt(1 - (b1 * b1) / b2);
    const adamaxBound = (1 - b1) / (1 - b1 / b2);
    expect(adamBound).toBeCloseTo(7.27, 2);
    expect(adamaxBound).toBeCloseTo(1.00909, 5);
    const T = 30_000;
    const worst = Array.from({ length: T }, (_, s) => (b1 / b2) ** (T - 1 - s));
    // Default ε (the first gradients underflow to 0, and 0/0 needs it); ε/√v ≈ 1e-7 here.
    const a = trajectory(adam({ lr: 1 }), worst);
    const lastStep = Math.abs((a[T - 1] as number) - (a[T - 2] as number));
    expect(Math.abs(lastStep / adamBound - 1)).toBeLessThan(1e-6);
    expect(lastStep).toBeGreaterThan(3.162);
    const worstMax = Array.from({ length: 2000 }, (_, s) => b2 ** -(2000 - 1 - s));
    const m = trajectory(adamax({ lr: 1, eps: 0 }), worstMax);
    expect(Math.abs((m[1999] as number) - (m[1998] as number)) / adamaxBound).toBeCloseTo(1, 9);
  });

  it('scaleByAdam without debias is the uncorrected update m/(√v + ε)', () => {
    const tx = scaleByAdam({ debias: false, eps: 0 });
    const p = { x: new Tensor(new Float64Array([0]), [1]) };
    const s = tx.init(p);
    const [u] = tx.update({ x: new Tensor(new Float64Array([2]), [1]) }, s, p);
    // m = 0.1·2, v = 0.001·4: u = 0.2/√0.004.
    expect(u.x?.data[0]).toBeCloseTo(0.2 / Math.sqrt(0.004), 14);
  });
});

/** f = ½ Σ λ_i x_i² on two 1-element tensors x1 (λ = 1) and x2 (λ = 100); ∇f = λ ⊙ x. */
function quadratic2(lambdas: [number, number], x0: [number, number]) {
  const x1 = scalarParam(x0[0]);
  const x2 = scalarParam(x0[1]);
  const params = { x1: x1.x, x2: x2.x };
  const setGrads = (): void => {
    x1.g.data[0] = lambdas[0] * (x1.x.data[0] as number);
    x2.g.data[0] = lambdas[1] * (x2.x.data[0] as number);
  };
  return { params, setGrads, x1: x1.x, x2: x2.x };
}

describe('E6 (a) — Sutskever et al. 2013: NAG is classical momentum with per-direction μ(1 − ελ_i)', () => {
  const lambdas: [number, number] = [1, 100];

  /**
   * PyTorch's Nesterov stores the look-ahead point p = θ + μv and the buffer b = −v/ε, so
   * Sutskever's iterate is θ = p + εμ·b (derivation: p_{t+1} = p_t − ε(1 + μ)g_t − εμ²b_t equals
   * θ_{t+1} + μv_{t+1} for v_{t+1} = μv_t − εg(θ_t + μv_t)).
   */
  function nagTheta(eps: number, mu: number, steps: number): [number, number][] {
    const q = quadratic2(lambdas, [1, 1]);
    const opt = new Optimizer(q.params, sgd({ lr: eps, momentum: mu, nesterov: true }));
    const out: [number, number][] = [];
    for (let t = 0; t < steps; t++) {
      q.setGrads();
      opt.step();
      const b = ((opt.state as NamedChainState)[0] as TraceState).trace;
      out.push([
        (q.x1.data[0] as number) + eps * mu * (b['x1']?.[0] as number),
        (q.x2.data[0] as number) + eps * mu * (b['x2']?.[0] as number),
      ]);
    }
    return out;
  }

  /** Classical momentum (PyTorch's SGD momentum stores θ itself), one momentum per direction. */
  function cm(eps: number, mus: [number, number], steps: number): [number, number][] {
    const q = quadratic2(lambdas, [1, 1]);
    const tx = partition(
      { d1: sgd({ lr: eps, momentum: mus[0] }), d2: sgd({ lr: eps, momentum: mus[1] }) },
      (n) => (n === 'x1' ? 'd1' : 'd2'),
    );
    const opt = new Optimizer(q.params, tx);
    const out: [number, number][] = [];
    for (let t = 0; t < steps; t++) {
      q.setGrads();
      opt.step();
      out.push([q.x1.data[0] as number, q.x2.data[0] as number]);
    }
    return out;
  }

  it('equal trajectories to 1e-12 for 1000 steps (ε = 0.009, μ = 0.95)', () => {
    const eps = 0.009;
    const mu = 0.95;
    const nag = nagTheta(eps, mu, 1000);
    const eq = cm(eps, [mu * (1 - eps * lambdas[0]), mu * (1 - eps * lambdas[1])], 1000);
    nag.forEach(([a, b], t) => {
      expect(Math.abs(a - (eq[t]?.[0] as number))).toBeLessThan(1e-12);
      expect(Math.abs(b - (eq[t]?.[1] as number))).toBeLessThan(1e-12);
    });
  });

  it('NAG damps the high-curvature direction: Σ|x2| over 100 steps < 0.1× classical', () => {
    const eps = 0.009;
    const mu = 0.95;
    const nagSum = nagTheta(eps, mu, 100).reduce((s, [, x2]) => s + Math.abs(x2), 0);
    const cmSum = cm(eps, [mu, mu], 100).reduce((s, [, x2]) => s + Math.abs(x2), 0);
    expect(nagSum).toBeLessThan(0.1 * cmSum);
  });

  it('at ε = 0.015, μ = 0.95 NAG diverges and classical momentum converges', () => {
    // ελ2 = 1.5: NAG's effective momentum μ(1 − ελ2) = −0.475 puts a root of
    // z² − (1 + m − ελ)z + m at −1.33; classical momentum's roots have modulus √0.95.
    const nag = nagTheta(0.015, 0.95, 1000);
    const classical = cm(0.015, [0.95, 0.95], 1000);
    const last = (r: [number, number][]): number =>
      Math.hypot(...(r[r.length - 1] as [number, number]));
    expect(last(nag)).toBeGreaterThan(1e6);
    expect(last(classical)).toBeLessThan(1e-6);
  });
});

describe('E9 — Goh 2017, "Why Momentum Really Works" (λ = 1, 100; error (1, 1))', () => {
  const lambdas: [number, number] = [1, 100];
  const kappa = 100;

  function iterationsToShrink(
    tx: GradientTransformation<unknown>,
    factor: number,
    max = 10_000,
  ): number {
    const q = quadratic2(lambdas, [1, 1]);
    const opt = new Optimizer(q.params, tx);
    const e0 = Math.SQRT2;
    for (let k = 1; k <= max; k++) {
      q.setGrads();
      opt.step();
      if (Math.hypot(q.x1.data[0] as number, q.x2.data[0] as number) <= factor * e0) return k;
    }
    return Infinity;
  }

  /** Spectral radius of a 2×2 matrix from trace and determinant. */
  function spectralRadius(tr: number, det: number): number {
    const disc = tr * tr - 4 * det;
    // A discriminant within its own rounding error of 0 is the double root of critical damping
    // (Goh's optimal β puts both extreme eigen-directions there); its modulus is then √det.
    if (disc <= 8 * Number.EPSILON * tr * tr) return Math.sqrt(Math.abs(det));
    return Math.max(Math.abs((tr + Math.sqrt(disc)) / 2), Math.abs((tr - Math.sqrt(disc)) / 2));
  }

  it('gradient descent at α* = 2/(λ1 + λn) needs 691 ± 1 iterations for 1e-6, at rate (κ − 1)/(κ + 1)', () => {
    const alpha = 2 / (lambdas[0] + lambdas[1]);
    const k = iterationsToShrink(sgd({ lr: alpha }), 1e-6);
    expect(Math.abs(k - 691)).toBeLessThanOrEqual(1);
    // Per-direction contraction measured on the real optimizer: |x_{k+1}/x_k| = |1 − αλ_i|.
    const q = quadratic2(lambdas, [1, 1]);
    const opt = new Optimizer(q.params, sgd({ lr: alpha }));
    q.setGrads();
    opt.step();
    const rate = (kappa - 1) / (kappa + 1);
    expect(Math.abs(Math.abs(q.x1.data[0] as number) - rate)).toBeLessThan(1e-12);
    expect(Math.abs(Math.abs(q.x2.data[0] as number) - rate)).toBeLessThan(1e-12);
  });

  it('momentum at α* = (2/(√λ1 + √λn))², β* = ((√λn − √λ1)/(√λn + √λ1))² needs 69–100 iterations', () => {
    const alpha = (2 / (1 + 10)) ** 2;
    const beta = ((10 - 1) / (10 + 1)) ** 2;
    const k = iterationsToShrink(sgd({ lr: alpha, momentum: beta }), 1e-6);
    expect(k).toBeGreaterThanOrEqual(69);
    expect(k).toBeLessThanOrEqual(100);
  });

  it("the optimizer's iteration matrix is Goh's R = [[β, λ], [−αβ, 1 − αλ]] and its rate is (√κ − 1)/(√κ + 1)", () => {
    const alpha = (2 / (1 + 10)) ** 2;
    const beta = ((10 - 1) / (10 + 1)) ** 2;
    // Goh's state (z, w): z ← βz + λw, w ← w − αz. PyTorch's momentum buffer is z.
    const q = quadratic2(lambdas, [1, 1]);
    const opt = new Optimizer(q.params, sgd({ lr: alpha, momentum: beta }));
    const states: { z: [number, number]; w: [number, number] }[] = [];
    for (let k = 0; k < 4; k++) {
      q.setGrads();
      opt.step();
      const b = ((opt.state as NamedChainState)[0] as TraceState).trace;
      states.push({
        z: [b['x1']?.[0] as number, b['x2']?.[0] as number],
        w: [q.x1.data[0] as number, q.x2.data[0] as number],
      });
    }
    for (let i = 0; i < 2; i++) {
      const lam = lambdas[i] as number;
      // Fit M with [s2 s3] = M [s1 s2] from the trajectory (s = (z, w) in direction i).
      const s1 = [states[1]?.z[i] as number, states[1]?.w[i] as number];
      const s2 = [states[2]?.z[i] as number, states[2]?.w[i] as number];
      const s3 = [states[3]?.z[i] as number, states[3]?.w[i] as number];
      const det = (s1[0] as number) * (s2[1] as number) - (s2[0] as number) * (s1[1] as number);
      const inv = [
        [(s2[1] as number) / det, -(s2[0] as number) / det],
        [-(s1[1] as number) / det, (s1[0] as number) / det],
      ];
      const m = [0, 1].map((r) =>
        [0, 1].map((c) =>
          (r === 0 ? [s2[0], s3[0]] : [s2[1], s3[1]]).reduce(
            (acc: number, v, j) => acc + (v as number) * (inv[j]?.[c] as number),
            0,
          ),
        ),
      );
      const R = [
        [beta, lam],
        [-alpha * beta, 1 - alpha * lam],
      ];
      for (let r = 0; r < 2; r++)
        for (let c = 0; c < 2; c++)
          expect(Math.abs((m[r]?.[c] as number) - (R[r]?.[c] as number))).toBeLessThan(
            1e-9 * Math.max(1, lam),
          );
    }
    const rate = (Math.sqrt(kappa) - 1) / (Math.sqrt(kappa) + 1);
    for (const lam of [1, 3, 10, 50, 100]) {
      const tr = beta + 1 - alpha * lam;
      const det = beta * (1 - alpha * lam) + alpha * beta * lam;
      expect(Math.abs(spectralRadius(tr, det) - rate)).toBeLessThan(1e-12);
    }
    const gdAlpha = 2 / 101;
    for (const lam of lambdas)
      expect(Math.abs(Math.abs(1 - gdAlpha * lam) - (kappa - 1) / (kappa + 1))).toBeLessThan(1e-12);
  });

  it('converges just below αλ_max = 2 + 2β and diverges just above', () => {
    const beta = 0.5;
    for (const [factor, converges] of [
      [1 - 1e-3, true],
      [1 + 1e-3, false],
    ] as const) {
      const alpha = ((2 + 2 * beta) / 100) * factor;
      const q = quadratic2(lambdas, [1, 1]);
      const opt = new Optimizer(q.params, sgd({ lr: alpha, momentum: beta }));
      for (let k = 0; k < 5000; k++) {
        q.setGrads();
        opt.step();
      }
      const e = Math.hypot(q.x1.data[0] as number, q.x2.data[0] as number);
      if (converges) expect(e).toBeLessThan(1e-2);
      else expect(e).toBeGreaterThan(1e6);
    }
  });
});
