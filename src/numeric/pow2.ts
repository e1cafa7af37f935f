/**
 * @internal Exponent e with 2^e ≤ |x| < 2^(e+1), give or take one near powers of two (Math.log2
 * rounds); callers only need a nearby power of two. x must be finite and non-zero.
 */
export function exponentOf(x: number): number {
  return Math.floor(Math.log2(Math.abs(x)));
}

/**
 * @internal x · 2^k, exact unless the result over- or underflows. Steps of 2^±1000 keep the factor
 * itself finite and normal (2^1024 is Infinity, 2^−1075 is 0).
 */
export function scaleByPow2(x: number, k: number): number {
  let r = x;
  let e = k;
  while (e > 1000) {
    r *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    r *= 2 ** -1000;
    e += 1000;
  }
  return r * 2 ** e;
}
