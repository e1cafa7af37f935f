/**
 * The least-squares slope of y on x: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)² (ordinary least squares with an
 * intercept). NaN when fewer than two distinct x values (or for unequal lengths).
 * @example leastSquaresSlope([1, 2, 3], [2, 4, 7]) // 2.5
 */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n !== ys.length || new Set(xs).size < 2) return NaN;
  const mx = xs.reduce((a, x) => a + x, 0) / n;
  const my = ys.reduce((a, y) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxy += dx * ((ys[i] as number) - my);
    sxx += dx * dx;
  }
  return sxy / sxx;
}
