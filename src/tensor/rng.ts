import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from './dtype.js';

/** Serializable state of an {@link Rng}: the four 32-bit words of xoshiro128**. */
export type RngState = readonly [number, number, number, number];

/** splitmix32 step: spreads a seed over 32 bits (used only to seed xoshiro). */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * Seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom
 * number generators", 2018), seeded by splitmix32. Every operation is 32-bit integer arithmetic
 * (`Math.imul`, shifts), so the same seed gives the same bits on every platform and engine.
 *
 * - `float()` is uniform on [0, 1) with 53 random bits: (a·2^21 + b>>>11) / 2^53 from two words.
 * - `normal()` is Box–Muller: √(−2 ln(1−u1)) · cos(2π u2), two fresh uniforms per sample, no cache
 *   (so the state is only the four words).
 * - `int(n)` is unbiased (rejection of the top partial range).
 *
 * @example const rng = new Rng(42); const x = rng.normal(); const state = rng.state();
 * @see https://prng.di.unimi.it/
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any finite number (its integer part and, if any, fractional bits are mixed). */
  constructor(seed: number) {
    if (!Number.isFinite(seed))
      throw new ConfigError(`seed: expected a finite number, got ${fmt(seed)}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let x = splitmix32(lo ^ 0x2545f491);
    this.s0 = x;
    x = splitmix32(x ^ hi);
    this.s1 = x;
    x = splitmix32(x);
    this.s2 = x;
    x = splitmix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restores a generator from {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** The four state words (copy); `Rng.fromState(s)` continues the same stream. */
  state(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Overwrites the state with one from {@link Rng.state}. */
  setState(state: RngState): void {
    if (
      !Array.isArray(state) ||
      state.length !== 4 ||
      !state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)
    ) {
      throw new ConfigError(`rng state: expected four 32-bit unsigned integers, got ${fmt(state)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0)
      throw new ConfigError('rng state: all-zero state is invalid for xoshiro128**');
  }

  /** An independent generator (seeded from this one's next outputs); this one advances. */
  fork(): Rng {
    return new Rng(this.nextU32() * 2097152 + (this.nextU32() >>> 11));
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  float(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform on [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.float();
  }

  /** Standard normal by Box–Muller (mean 0, std 1), scaled to N(mean, std²). */
  normal(mean = 0, std = 1): number {
    const u1 = this.float();
    const u2 = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n), unbiased; n must be an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new ConfigError(`n: expected an integer in [1, 2^32], got ${fmt(n)}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Fills `out` with U[lo, hi). */
  fillUniform(out: TypedArray, lo = 0, hi = 1): TypedArray {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.float();
    return out;
  }

  /** Fills `out` with N(mean, std²). */
  fillNormal(out: TypedArray, mean = 0, std = 1): TypedArray {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Accepts a seed or an Rng and returns an Rng (a seed creates a fresh generator). */
export function toRng(seedOrRng: number | Rng): Rng {
  return seedOrRng instanceof Rng ? seedOrRng : new Rng(seedOrRng);
}
