import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import {
  checkSetup,
  type GradcheckOptions,
  type GradcheckResult,
  type TensorFn,
  variableFor,
  zerosLike,
} from './functional.js';
import { enableGrad } from './grad-mode.js';
import { dotConst, tapedAdd } from './taped.js';

/**
 * Checks second derivatives — the recorded backward (`createGraph`) — against central finite
 * differences of first derivatives in float64, as PyTorch's `gradgradcheck`: for random (seeded)
 * u (a cotangent of f's output) and wᵢ (one per input), h(x, u) = Σᵢ⟨wᵢ, Jᵢ(x)ᵀu⟩ is computed
 * with a recorded backward, and its gradient by a second backward is compared element by element
 * with (h(x + εe) − h(x − εe))/2ε, where h is evaluated with plain backwards. The variables are
 * every input that requires grad (all when none is marked) and u (reported as input index
 * `inputs.length`), so both the second derivative and the createGraph VJP's dependence on its
 * incoming gradient are checked. An op whose VJP is not differentiable throws (naming it).
 * @example gradgradcheck((a) => tanh(a), [x64]).pass
 */
export function gradgradcheck(
  f: TensorFn,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const { eps, atol, rtol, argnums, work, rng, u } = checkSetup('gradgradcheck', f, inputs, opts);
  const ws = argnums.map((i) => {
    const w = zerosLike(work[i] as Tensor);
    rng.fillNormal(w.data);
    return w;
  });
  /** h(x, u) without graphs. */
  const h = (): number =>
    enableGrad(() => {
      const xs = work.map((x, i) => (argnums.includes(i) ? variableFor(x, false) : x));
      const y = f(...xs);
      if (!y.requiresGrad) return 0;
      const gs = gradients(
        y,
        argnums.map((i) => xs[i] as Tensor),
        { seed: u },
      );
      let s = 0;
      gs.forEach((g, k) => {
        const w = ws[k] as Tensor;
        for (let e = 0; e < g.size; e++) s += (g.data[e] as number) * (w.data[e] as number);
      });
      return s;
    });
  // Analytic: one recorded backward, then a backward of h through it.
  const analytic = enableGrad(() => {
    const xs = work.map((x, i) => (argnums.includes(i) ? variableFor(x, false) : x));
    const vars = argnums.map((i) => xs[i] as Tensor);
    const uVar = new Tensor(u.data, u.shape, true);
    const y = f(...xs);
    const all = [...vars, uVar];
    if (!y.requiresGrad) return all.map(zerosLike);
    const gs = gradients(y, vars, { seed: uVar, createGraph: true });
    let s: Tensor | null = null;
    gs.forEach((g, k) => {
      if (!g.requiresGrad) return;
      const d = dotConst(g, ws[k] as Tensor);
      s = s === null ? d : tapedAdd(s, d);
    });
    if (s === null) return all.map(zerosLike);
    return gradients(s, all);
  });
  let maxAbs = 0;
  let maxRel = 0;
  let worstViolation = -Infinity;
  let worst: GradcheckResult['worst'] = null;
  let pass = true;
  const targets = [
    ...argnums.map((i) => [i, work[i] as Tensor] as const),
    [inputs.length, u] as const,
  ];
  targets.forEach(([inputIdx, x], j) => {
    const ga = (analytic[j] as Tensor).data;
    for (let e = 0; e < x.size; e++) {
      const orig = x.data[e] as number;
      x.data[e] = orig + eps;
      const fp = h();
      x.data[e] = orig - eps;
      const fm = h();
      x.data[e] = orig;
      const num = (fp - fm) / (2 * eps);
      const an = ga[e] as number;
      const abs = Math.abs(an - num);
      const rel = abs / Math.max(Math.abs(num), 1e-300);
      maxAbs = Math.max(maxAbs, abs);
      if (abs > atol) maxRel = Math.max(maxRel, rel);
      const violation = abs - (atol + rtol * Math.abs(num));
      if (!(violation <= 0)) pass = false;
      if (violation > worstViolation || Number.isNaN(violation)) {
        worstViolation = Number.isNaN(violation) ? Infinity : violation;
        worst = { input: inputIdx, index: e, analytic: an, numeric: num };
      }
    }
  });
  return { pass, maxAbsErr: maxAbs, maxRelErr: maxRel, worst };
}
