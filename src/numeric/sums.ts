/**
 * Compensated summation (the Kahan–Babuška–Neumaier variant): a running correction term
 * recovers the low-order bits that each addition rounds away, so the error is ~1 ulp of the
 * result independent of n (plain summation: up to n·ε·Σ|x_i|). Neumaier's branch also handles
 * a term larger than the running sum, where Kahan's original loses the small parts:
 * kahanSum([1, 1e100, 1, -1e100]) is 2 (Kahan's original and naive summation give 0).
 * NaN and ±Infinity propagate as in plain summation.
 * @example kahanSum(new Array(1e6).fill(0.1)) // 100000 (naive: 100000.00000133288)
 * @see A. Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher Summen", 1974
 * @see W. Kahan, "Further remarks on reducing truncation errors", CACM 8(1), 1965
 */
export function kahanSum(values: ArrayLike<number>): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    const t = sum + x;
    comp += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  const total = sum + comp;
  // With an infinite term the correction becomes NaN (Inf − Inf); the plain sum is the answer.
  return Number.isFinite(sum) ? total : sum;
}

/** Below this length a block is summed directly; large enough that recursion costs nothing. */
const PAIRWISE_BLOCK = 128;

function pairwise(values: ArrayLike<number>, start: number, end: number): number {
  const n = end - start;
  if (n <= PAIRWISE_BLOCK) {
    let s = 0;
    for (let i = start; i < end; i++) s += values[i] as number;
    return s;
  }
  const mid = start + (n >> 1);
  return pairwise(values, start, mid) + pairwise(values, mid, end);
}

/**
 * Pairwise (cascade) summation, as NumPy's `sum` does it: split in halves, sum each, add. The
 * error grows like ε·log2(n)·Σ|x_i| instead of ε·n·Σ|x_i|, at the speed of plain summation (the
 * leaves are blocks of 128 summed directly). Less accurate than {@link kahanSum}, faster.
 * @example pairwiseSum(new Float32Array(1e6).fill(0.1))
 * @see N. J. Higham, "The accuracy of floating point summation", SIAM J. Sci. Comput. 14(4), 1993
 */
export function pairwiseSum(values: ArrayLike<number>): number {
  return pairwise(values, 0, values.length);
}
