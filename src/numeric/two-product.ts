/** Veltkamp's splitter 2^27 + 1: splits a double into two halves of at most 26 significant bits. */
const SPLITTER = 134217729;

/**
 * The rounding error of a product: returns e with a·b = fl(a·b) + e exactly (Dekker 1971), given
 * p = fl(a·b). JavaScript has no fma, so the factors are split into halves whose products are
 * exact. Exact unless a, b or p are near overflow (|x| > 2^995) or the error underflows.
 * @example const p = a * b; const e = twoProductError(a, b, p); // a·b = p + e
 * @see T. J. Dekker, "A floating-point technique for extending the available precision", 1971
 */
export function twoProductError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
