import type { AdamArgs } from '../types.js';
import { updateStatsJs } from './grad-stats.js';

const f = Math.fround;

/**
 * One Adam step in float32 arithmetic (see AdamArgs): every operation rounded to float32 in the
 * order of the wasm SIMD kernel's lanes (assembly/adam.ts), hence the same bits. The reference
 * of Kernels.adam.
 * @example adamJs({ p, g, m, v, coef }); // p += Adam update, m and v advanced
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
export function adamJs(args: AdamArgs): void {
  const { p, g, m, v, coef } = args;
  const stats = p === null ? null : (args.stats ?? null);
  // measuring the update (AdamArgs.stats): by definition, updateStats of p after and a copy of
  // p before (this reference allocates the copy; the wasm kernel measures in its pass)
  const before = stats === null || p === null ? null : p.slice();
  const sign = coef[0] as number;
  const b1 = coef[1] as number;
  const c1 = coef[2] as number;
  const b2 = coef[3] as number;
  const c2 = coef[4] as number;
  const step = coef[5] as number;
  const eps = coef[6] as number;
  // sign = ±1: fround(sign·fround(g·s)) = fround(g·(sign·s)), one multiply as in the kernel
  const ss = f(sign * (coef[7] as number));
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const gi = f(ss * (g[i] as number));
    const mi = f(f((m[i] as number) * b1) + f(c1 * gi));
    const vi = f(f((v[i] as number) * b2) + f(f(c2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    const u = f(f(step * mi) / f(f(Math.sqrt(vi)) + eps));
    if (p !== null) p[i] = (p[i] as number) + u;
    else g[i] = u;
  }
  if (stats !== null && before !== null && p !== null)
    updateStatsJs({ p, q: before, out: stats, at: 0 });
}
