/**
 * A bounded time series of per-check values with fixed memory: `columns` values per point,
 * `capacity` points. When full it keeps every other point and from then on records every other
 * check (the stride doubles), so a run of any length is summarized by at most `capacity` evenly
 * spaced points, and recording allocates nothing.
 * @example
 * const s = new DecimatingSeries(2, 1000);
 * const o = s.push(step); if (o >= 0) { s.data[o] = norm; s.data[o + 1] = loss; }
 */
export class DecimatingSeries {
  /** Values per point. */
  readonly columns: number;
  /** Maximum number of points. */
  readonly capacity: number;
  /** Points stored. */
  length = 0;
  /** Record one check out of `stride`. */
  stride = 1;
  private seen = 0;
  private readonly steps: Float64Array;
  private readonly values: Float64Array;

  constructor(columns: number, capacity: number) {
    this.columns = columns;
    this.capacity = Math.max(2, capacity);
    this.steps = new Float64Array(this.capacity);
    this.values = new Float64Array(this.capacity * columns);
  }

  /**
   * Offers the check at `step`; returns the row offset to write `columns` values at (into
   * {@link DecimatingSeries.data}), or −1 when this check is skipped by the stride.
   */
  push(step: number): number {
    const take = this.seen % this.stride === 0;
    this.seen++;
    if (!take) return -1;
    if (this.length === this.capacity) {
      const c = this.columns;
      const half = this.capacity >> 1;
      for (let i = 0; i < half; i++) {
        this.steps[i] = this.steps[2 * i] as number;
        this.values.copyWithin(i * c, 2 * i * c, 2 * i * c + c);
      }
      this.length = half;
      this.stride *= 2;
      // The point being offered is kept only if it falls on the new stride.
      if ((this.seen - 1) % this.stride !== 0) return -1;
    }
    const row = this.length++;
    this.steps[row] = step;
    return row * this.columns;
  }

  /** The stored values, row-major [length, columns] (a view; valid until the next push). */
  get data(): Float64Array {
    return this.values;
  }

  /** The step of each stored point (copy). */
  stepList(): number[] {
    return Array.from(this.steps.subarray(0, this.length));
  }

  /** Column `c` over the stored points (copy). */
  column(c: number): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.values[i * this.columns + c] as number;
    return out;
  }
}
