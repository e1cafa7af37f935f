/**
 * A running sum of squares kept as scale²·ssq (LAPACK's dlassq): `scale` is the largest |x|
 * seen, so every squared term is (x/scale)² ≤ 1 and neither overflow (1e200² = Inf) nor
 * underflow (1e-200² = 0) can happen. Feed it several arrays to get a global norm over many
 * tensors.
 * @example const acc = new ScaledSumOfSquares(); acc.add(g1); acc.add(g2); acc.norm()
 * @see LAPACK dlassq / dnrm2; C. L. Lawson et al., "Basic Linear Algebra Subprograms for Fortran Usage", 1979
 */
export class ScaledSumOfSquares {
  /** Largest |x| seen so far (0 before any non-zero value). */
  scale = 0;
  /** Σ (x/scale)², ≥ 1 once a non-zero value has been seen. */
  ssq = 1;
  private nan = false;
  private inf = false;

  /** Adds one value. */
  addValue(x: number): void {
    if (x === 0) return;
    if (!Number.isFinite(x)) {
      if (Number.isNaN(x)) this.nan = true;
      else this.inf = true;
      return;
    }
    const ax = Math.abs(x);
    if (this.scale < ax) {
      const r = this.scale / ax;
      this.ssq = 1 + this.ssq * r * r;
      this.scale = ax;
    } else {
      const r = ax / this.scale;
      this.ssq += r * r;
    }
  }

  /** Adds every element of `values`. */
  add(values: ArrayLike<number>): this {
    for (let i = 0; i < values.length; i++) this.addValue(values[i] as number);
    return this;
  }

  /** √(Σx²): NaN if any value was NaN, else Infinity if any was infinite. */
  norm(): number {
    if (this.nan) return NaN;
    if (this.inf) return Infinity;
    return this.scale * Math.sqrt(this.ssq);
  }
}

/**
 * Euclidean norm √(Σ x_i²) that cannot overflow or underflow in its intermediates, like
 * `Math.hypot` and LAPACK's dnrm2: l2Norm([3e200, 4e200]) is 5e200 (the naive formula gives
 * Infinity) and l2Norm([3e-200, 4e-200]) is 5e-200 (naive: 0). Relative error a few ulp.
 * NaN in the input gives NaN, otherwise an infinite value gives Infinity.
 * @example l2Norm(new Float64Array([3, 4])) // 5
 * @see LAPACK dnrm2; J. L. Blue, "A portable Fortran program to find the Euclidean norm of a vector", 1978
 */
export function l2Norm(values: ArrayLike<number>): number {
  return new ScaledSumOfSquares().add(values).norm();
}
