import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { setKernels } from '../backend.js';
import { loadNativeKernels } from '../native/loader.js';
import { nativeBackend } from '../native/backend.js';
import { setThreads } from '../threads.js';
import { jsKernels } from './backend.js';
import { ATTENTION_ROW_BLOCK, attentionBackwardJs, attentionForwardJs } from './attention.js';

// The fused self-attention entries (Kernels.attentionForward/Backward): the reference against
// the textbook formula, its backward against float64 central differences, and the native
// kernel's bits on 1 and 2 threads. The parity table (kernels/parity.test.ts) holds the bits of
// every backend against this reference.

afterEach(() => {
  setThreads('auto');
  setKernels('auto');
});

const normal = (n: number, seed: number): Float64Array => {
  const a = new Float64Array(n);
  new Rng(seed).fillNormal(a);
  return a;
};

/** softmax(scale·Q·Kᵀ (+ causal mask))·V of one head, textbook loops in float64. */
function naive(
  qkv: Float64Array,
  B: number,
  T: number,
  E: number,
  H: number,
  causal: boolean,
  scale: number,
): Float64Array {
  const d = E / H;
  const y = new Float64Array(B * T * E);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const at = (t: number, part: number, c: number): number =>
          qkv[(b * T + t) * 3 * E + part * E + h * d + c] as number;
        const n = causal ? i + 1 : T;
        const z: number[] = [];
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += at(i, 0, c) * at(j, 1, c);
          z.push(s * scale);
        }
        const m = Math.max(...z);
        const w = z.map((v) => Math.exp(v - m));
        const tot = w.reduce((a, v) => a + v, 0);
        for (let c = 0; c < d; c++) {
          let o = 0;
          for (let j = 0; j < n; j++) o += ((w[j] as number) / tot) * at(j, 2, c);
          y[(b * T + i) * E + h * d + c] = o;
        }
      }
  return y;
}

describe('attention kernels (JS reference)', () => {
  const [B, T, E, H, scale] = [2, 2 * ATTENTION_ROW_BLOCK + 3, 8, 2, 0.6];

  it.each([true, false])('forward (causal %s) = the textbook formula in float64', (causal) => {
    setKernels('js');
    const qkv = normal(B * T * 3 * E, 1);
    const p = new Float64Array(B * H * T * T);
    const y = new Float64Array(B * T * E);
    attentionForwardJs({ qkv, B, T, E, heads: H, causal, scale, p, y });
    const ref = naive(qkv, B, T, E, H, causal, scale);
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(ref[i] as number, 13);
    // the weights: rows sum to 1, exactly 0 at masked keys
    for (let r = 0; r < B * H * T; r++) {
      const i = r % T;
      let s = 0;
      for (let j = 0; j < T; j++) {
        const w = p[r * T + j] as number;
        if (causal && j > i) expect(w).toBe(0);
        s += w;
      }
      expect(s).toBeCloseTo(1, 14);
    }
  });

  it.each([true, false])(
    'backward (causal %s) = float64 central differences of Σ y∘G',
    (causal) => {
      setKernels('js');
      const qkv = normal(B * T * 3 * E, 2);
      const G = normal(B * T * E, 3);
      const loss = (x: Float64Array): number => {
        const y = new Float64Array(B * T * E);
        attentionForwardJs({ qkv: x, B, T, E, heads: H, causal, scale, p: new Float64Array(B * H * T * T), y }); // prettier-ignore
        return y.reduce((a, v, i) => a + v * (G[i] as number), 0);
      };
      const p = new Float64Array(B * H * T * T);
      attentionForwardJs({ qkv, B, T, E, heads: H, causal, scale, p, y: new Float64Array(B * T * E) }); // prettier-ignore
      const dqkv = new Float64Array(qkv.length).fill(7); // overwritten
      attentionBackwardJs({ g: G, qkv, p, B, T, E, heads: H, causal, scale, dqkv });
      const eps = 1e-6;
      const rng = new Rng(4);
      // q, k and v coordinates of both batches, early and late rows (every block)
      for (let s = 0; s < 40; s++) {
        const idx = Math.floor(rng.float() * qkv.length);
        const plus = Float64Array.from(qkv);
        plus[idx] = (plus[idx] as number) + eps;
        const minus = Float64Array.from(qkv);
        minus[idx] = (minus[idx] as number) - eps;
        const fd = (loss(plus) - loss(minus)) / (2 * eps);
        expect(Math.abs((dqkv[idx] as number) - fd)).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
      }
    },
  );
});

const addon = loadNativeKernels();

describe.runIf(addon !== undefined)('attention kernels (native)', () => {
  const k = nativeBackend(addon!, () => jsKernels);
  /** How many float32 words of a and b differ in their bits (0: identical arrays). */
  const differing = (a: Float32Array, b: Float32Array): number => {
    const [x, y] = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
    let n = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
    return n;
  };
  // 64 pairs (B·H) of T = 64, d = 32: the W5 shape; and a ragged one (T = 37, 6 pairs)
  it.each([
    [16, 64, 128, 4, true],
    [3, 37, 12, 2, true],
    [3, 37, 12, 2, false],
  ])(
    'B %i, T %i, E %i, H %i, causal %s: the same bits on 1 and 2 threads',
    (B, T, E, H, causal) => {
      const qkv = Float32Array.from(normal(B * T * 3 * E, 5));
      const g = Float32Array.from(normal(B * T * E, 6));
      const scale = 1 / Math.sqrt(E / H);
      const run = (threads: number): Float32Array[] => {
        setThreads(threads);
        const p = new Float32Array(B * H * T * T);
        const y = new Float32Array(B * T * E);
        k.attentionForward({ qkv, B, T, E, heads: H, causal, scale, p, y });
        const dqkv = new Float32Array(B * T * 3 * E);
        k.attentionBackward({ g, qkv, p, B, T, E, heads: H, causal, scale, dqkv });
        return [p, y, dqkv];
      };
      const one = run(1);
      const two = run(2);
      expect(one.map((a, i) => differing(a, two[i] as Float32Array))).toEqual([0, 0, 0]);
      expect(one[1]!.some((v) => v !== 0)).toBe(true);
    },
  );

  it('T = 330 (products deeper than the direct kernel’s 320): the bits of the reference on the native GEMM', () => {
    const [B, T, E, H] = [1, 330, 8, 2];
    const qkv = Float32Array.from(normal(B * T * 3 * E, 7));
    const g = Float32Array.from(normal(B * T * E, 8));
    const run = (kk: typeof k): Float32Array[] => {
      const p = new Float32Array(B * H * T * T);
      const y = new Float32Array(B * T * E);
      kk.attentionForward({ qkv, B, T, E, heads: H, causal: true, scale: 0.5, p, y });
      const dqkv = new Float32Array(B * T * 3 * E);
      kk.attentionBackward({ g, qkv, p, B, T, E, heads: H, causal: true, scale: 0.5, dqkv });
      return [p, y, dqkv];
    };
    setKernels('native');
    const ref = run(jsKernels);
    const got = run(k);
    expect(got.map((a, i) => differing(a, ref[i] as Float32Array))).toEqual([0, 0, 0]);
  });

  it('the addon rejects heads that do not divide E and arrays too short (RangeError)', () => {
    const qkv = new Float32Array(2 * 4 * 3 * 6);
    const p = new Float32Array(2 * 2 * 4 * 4);
    const y = new Float32Array(2 * 4 * 6);
    expect(() => addon!.attentionForward!(qkv, 2, 4, 6, 4, true, 1, p, y)).toThrow(
      /heads >= 1 dividing E/,
    );
    expect(() => addon!.attentionForward!(qkv, 2, 4, 6, 2, true, 1, p, y.subarray(1))).toThrow(
      RangeError,
    );
  });
});
