import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { newtonDirection, type NewtonCurvatureMode } from './newton-cg-direction.js';
import { INT1, NONNEG } from './option-fields.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation, Params } from './types.js';

/**
 * The Hessian of the loss at given parameters as a matrix-free operator (structurally
 * `autograd.hessianOperator(loss, params)`, which optim may not import): n = the number of
 * scalar parameters, `matvec` writes H·v for flat vectors in the parameters' key order.
 */
export interface CurvatureOperator {
  /** Number of scalar parameters. */
  readonly n: number;
  /** out ← H·v (flat, the parameters' key order). */
  matvec(v: Float64Array, out: Float64Array): void;
}

/** Builds the {@link CurvatureOperator} at the parameters' current values, e.g. `(p) => hessianOperator(loss, p)`. */
export type CurvatureSource = (params: Params) => CurvatureOperator;

/** The options of {@link newtonCg} other than lr and the loss, by declaration. */
export const NEWTON_CG_OPTIONS = {
  /**
   * The Hessian at the current parameters, (params) => { n, matvec }: typically
   * `(p) => autograd.hessianOperator(loss, p)` with the loss on the current (full) batch, exact
   * HVPs (required: a config file cannot give it, so newtonCg is built in code).
   */
  hessian: {
    type: 'custom',
    expected: 'a function (params) => { n, matvec } such as (p) => hessianOperator(loss, p)',
    required: true,
  },
  /** 'saddleFree' (default), 'newtonCg' (truncated at negative curvature) or 'newton' (plain). */
  mode: { type: 'enum', values: ['saddleFree', 'newtonCg', 'newton'], default: 'saddleFree' },
  /** Damping λ ≥ 0 added to the curvature (Levenberg–Marquardt). Default 1e-3. */
  damping: { ...NONNEG, default: 1e-3 },
  /** Most HVPs per step: CG iterations, or the Krylov dimension of 'saddleFree'. Default 20. */
  iterations: { ...INT1, default: 20 },
  /** CG's relative residual tolerance ‖r‖ ≤ tol·‖g‖. Default 1e-6. */
  tol: { ...NONNEG, default: 1e-6 },
} as const satisfies OptionSpecs;

/** Options of {@link newtonCg} (lr defaults to 1, the Newton step). */
export type NewtonCgOptions = Omit<OptimizerOptions<typeof NEWTON_CG_OPTIONS>, 'hessian'> & {
  /** The Hessian at the current parameters (see {@link NEWTON_CG_OPTIONS}). */
  hessian: CurvatureSource;
};

/** State of {@link newtonCg}: counts (plain numbers, so a checkpoint round-trips). */
export interface NewtonCgState {
  /** Updates made so far (the lr schedule's step). */
  count: number;
  /** HVPs used by the last step and by all steps. */
  lastHvps: number;
  totalHvps: number;
  /** Steps at which negative (damped) curvature was met. */
  negativeCurvatureSteps: number;
}

/**
 * Newton's method with Hessian-vector products instead of the Hessian: each step solves for a
 * direction d with the curvature of the loss at the current parameters (exact HVPs, Pearlmutter
 * 1994) and returns lr·d as the update (p ← p + lr·d):
 *
 * - 'newton': (H + λI)d = −g by conjugate gradients — the article's Newton iteration; with λ = 0
 *   on a quadratic it jumps to the stationary point in one step, which is a saddle when H is
 *   indefinite;
 * - 'newtonCg': the same, truncated at the first direction of non-positive curvature (truncated
 *   Newton / Newton-CG, Nocedal & Wright §7.1): it never climbs, but does not use the negative
 *   curvature either;
 * - 'saddleFree' (default): d = −Σ (yᵢ·g)/(|θᵢ| + λ)·yᵢ over the Ritz pairs of H in the Krylov
 *   space K_m(H, g) (Dauphin et al. 2014, saddle-free Newton): Newton's rescaling along every
 *   direction, but downhill along negative curvature too, so saddles repel it.
 *
 * The incoming updates are taken as the gradient g (so it chains after clipping or weight
 * decay); the Hessian is what `hessian` returns (optim does not import autograd: the caller
 * passes `(p) => hessianOperator(loss, p)`). Cost per step: one forward and a recorded backward,
 * plus at most `iterations` HVPs (one backward through the double graph each). Not for
 * mini-batches of noisy curvature without a large damping. Allocates per step (a curvature step
 * is not a hot path).
 *
 * @example
 * const loss = () => mse(net.forward(x), y);
 * const tx = newtonCg({ hessian: (p) => autograd.hessianOperator(loss, p), damping: 1e-2 });
 * @see Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio, "Identifying and attacking the saddle
 *   point problem in high-dimensional non-convex optimization", NeurIPS 2014.
 * @see Martens, "Deep learning via Hessian-free optimization", ICML 2010.
 */
export function newtonCg(options: NewtonCgOptions): GradientTransformation<NewtonCgState> {
  const o = readOptimizerOptions(NEWTON_CG, options);
  const hessian = o.hessian;
  if (typeof hessian !== 'function')
    throw new ConfigError(
      `newtonCg: option hessian = ${fmt(hessian)} is invalid; expected a function (params) => { n, matvec } such as (p) => hessianOperator(loss, p) (build newtonCg in code: a config file cannot give it)`,
    );
  const source = hessian as CurvatureSource;
  const { lr, damping, iterations, tol } = o;
  const mode = o.mode as NewtonCurvatureMode;
  const out = resultWriter<NewtonCgState>();
  return {
    init: () => ({ count: 0, lastHvps: 0, totalHvps: 0, negativeCurvatureSteps: 0 }),
    update(updates, state, params) {
      const names = namesOf(params);
      const op = source(params);
      const g = new Float64Array(op.n);
      let off = 0;
      for (const k of names) {
        const u = updates[k] as Tensor | undefined;
        const size = (params[k] as Tensor).size;
        if (u === undefined || u.size !== size)
          throw new ConfigError(
            `newtonCg: the update of parameter ${fmt(k)} is missing or has the wrong size; expected ${size} values`,
          );
        for (let i = 0; i < size; i++) g[off + i] = u.data[i] as number;
        off += size;
      }
      const d = new Float64Array(op.n);
      const info = newtonDirection((v, w) => op.matvec(v, w), g, d, {
        mode,
        damping,
        iterations,
        tol,
      });
      const rate = lr(state.count);
      off = 0;
      for (const k of names) {
        const u = updates[k] as Tensor;
        for (let i = 0; i < u.size; i++) u.data[i] = rate * (d[off + i] as number);
        off += u.size;
      }
      state.count = state.count + 1;
      state.lastHvps = info.hvps;
      state.totalHvps = state.totalHvps + info.hvps;
      if (info.negativeCurvature) state.negativeCurvatureSteps = state.negativeCurvatureSteps + 1;
      return out(updates, state);
    },
    currentLr: (state) => lr(state.count),
  };
}

/** The declaration of {@link newtonCg} (see optim/registry.ts). */
export const NEWTON_CG = declareOptimizer({
  name: 'newtonCg',
  summary:
    'Newton-CG on exact HVPs: plain Newton, truncated Newton-CG, or saddle-free Newton (Dauphin et al. 2014); needs a Hessian operator',
  options: NEWTON_CG_OPTIONS,
  defaultLr: 1,
  create: newtonCg,
});
