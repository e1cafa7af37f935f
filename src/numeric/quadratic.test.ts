import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { discriminant, naiveQuadraticRoots, quadraticRoots } from './quadratic.js';
import { ulpDistance } from './ulp.js';

function realRoots(r: ReturnType<typeof quadraticRoots>): [number, number] {
  if (r.kind !== 'real') throw new Error(`expected real roots, got ${r.kind}`);
  return r.roots;
}

// EXPERIMENTS.md E14: exact roots of the polynomials with these (double) coefficients, and the
// small root the naive formula returns.
const E14: {
  a: number;
  b: number;
  c: number;
  exact: [number, number];
  naiveSmall: number | null;
}[] = [
  {
    a: 1,
    b: 1e8,
    c: 1,
    exact: [-99999999.99999999, -1.0000000000000001e-8],
    naiveSmall: -7.450580596923828e-9,
  },
  {
    a: 1,
    b: -1e5,
    c: 1,
    exact: [1.0000000001000001e-5, 99999.99999],
    naiveSmall: 1.0000003385357559e-5,
  },
  { a: 6, b: 5, c: -4, exact: [-1.3333333333333333, 0.5], naiveSmall: null },
  { a: 1, b: -4, c: 3.9999999, exact: [1.9996837722342419, 2.0003162277657581], naiveSmall: null },
];

describe('quadraticRoots (E14 table)', () => {
  for (const row of E14) {
    it(`a=${row.a}, b=${row.b}, c=${row.c}: both roots within 2 ulp`, () => {
      const [x1, x2] = realRoots(quadraticRoots(row.a, row.b, row.c));
      expect(ulpDistance(x1, row.exact[0])).toBeLessThanOrEqual(2);
      expect(ulpDistance(x2, row.exact[1])).toBeLessThanOrEqual(2);
    });
  }

  it('the naive formula returns the bad small roots of the table (contrast)', () => {
    const [s1] = realRoots(naiveQuadraticRoots(1, 1e8, 1)).slice(1) as [number];
    expect(s1).toBe(-7.450580596923828e-9);
    const [s2] = realRoots(naiveQuadraticRoots(1, -1e5, 1));
    expect(s2).toBe(1.0000003385357559e-5);
    // ...which is millions of ulp away from the exact root.
    expect(ulpDistance(s2, 1.0000000001000001e-5)).toBeGreaterThan(1e6);
  });

  it('the naive formula is fine on the benign rows', () => {
    const [x1, x2] = realRoots(naiveQuadraticRoots(6, 5, -4));
    expect(x1).toBe(-4 / 3);
    expect(x2).toBe(0.5);
    const [y1, y2] = realRoots(naiveQuadraticRoots(1, -4, 3.9999999));
    expect(ulpDistance(y1, 1.9996837722342419)).toBeLessThanOrEqual(2);
    expect(ulpDistance(y2, 2.0003162277657581)).toBeLessThanOrEqual(2);
  });
});

describe('quadraticRoots: scaling over the whole exponent range', () => {
  it('b² would overflow: x² − 2^512·x + 15·2^1018 has roots 3·2^509 and 5·2^509', () => {
    // (x − 3s)(x − 5s) = x² − 8s·x + 15s², s = 2^509: all coefficients and roots are exact doubles.
    const [x1, x2] = realRoots(quadraticRoots(1, -(2 ** 512), 15 * 2 ** 1018));
    expect(x1).toBe(3 * 2 ** 509);
    expect(x2).toBe(5 * 2 ** 509);
    const naive = naiveQuadraticRoots(1, -(2 ** 512), 15 * 2 ** 1018);
    expect(naive.kind === 'real' && naive.roots.every(Number.isFinite)).toBe(false);
  });

  it('b² and 4ac would underflow: a = 2^-100, roots 3·2^-472 and 5·2^-472', () => {
    // a(x − r1)(x − r2): b = −a(r1 + r2) = −2^-569, c = a·r1·r2 = 15·2^-1044 (a subnormal, exact).
    const a = 2 ** -100;
    const b = -(2 ** -569);
    const c = 15 * 2 ** -1044;
    const [x1, x2] = realRoots(quadraticRoots(a, b, c));
    expect(x1).toBe(3 * 2 ** -472);
    expect(x2).toBe(5 * 2 ** -472);
    // naive: b² and 4ac both flush to 0 and it reports a double root at 4·2^-472.
    expect(realRoots(naiveQuadraticRoots(a, b, c))).toEqual([4 * 2 ** -472, 4 * 2 ** -472]);
  });

  it('huge a with small c: 2^1000·x² − 3·2^1000·x + 2^1001 has roots 1 and 2', () => {
    expect(realRoots(quadraticRoots(2 ** 1000, -3 * 2 ** 1000, 2 ** 1001))).toEqual([1, 2]);
  });

  it('coefficients 600 orders of magnitude apart: 1e300·x² − 1e-300 has roots ±1e-300 (to 2 ulp)', () => {
    const [x1, x2] = realRoots(quadraticRoots(1e300, 0, -1e-300));
    // exact roots ±√(1e-300/1e300) = ±1e-300 up to the rounding of the two decimal inputs (≤ 1 ulp each, halved by √).
    expect(ulpDistance(x1, -1e-300)).toBeLessThanOrEqual(2);
    expect(ulpDistance(x2, 1e-300)).toBeLessThanOrEqual(2);
  });
});

describe('quadraticRoots: kinds', () => {
  it('complex pair: x² + 2x + 5 = 0 → −1 ± 2i', () => {
    expect(quadraticRoots(1, 2, 5)).toEqual({
      kind: 'complex',
      roots: [
        { re: -1, im: -2 },
        { re: -1, im: 2 },
      ],
    });
  });

  it('double root: x² − 2x + 1 → [1, 1]', () => {
    expect(quadraticRoots(1, -2, 1)).toEqual({ kind: 'real', roots: [1, 1] });
  });

  it('b = 0 uses sgn(0) = +1: x² − 4 → [−2, 2]', () => {
    expect(quadraticRoots(1, 0, -4)).toEqual({ kind: 'real', roots: [-2, 2] });
  });

  it('c = 0: 2x² + 6x → [−3, 0]', () => {
    expect(quadraticRoots(2, 6, 0)).toEqual({ kind: 'real', roots: [-3, 0] });
  });

  it('linear, none and all', () => {
    expect(quadraticRoots(0, 2, -3)).toEqual({ kind: 'linear', roots: [1.5] });
    expect(quadraticRoots(0, 0, 3)).toEqual({ kind: 'none', roots: [] });
    expect(quadraticRoots(0, 0, 0)).toEqual({ kind: 'all', roots: [] });
  });

  it('non-finite coefficients throw a ConfigError naming the coefficient', () => {
    expect(() => quadraticRoots(1, NaN, 1)).toThrow(ConfigError);
    expect(() => quadraticRoots(1, 2, Infinity)).toThrow(
      /coefficient c must be a finite number, got Infinity/,
    );
  });
});

describe('discriminant', () => {
  it('is exact where b² ≈ 4ac: (1 + 2^-30)² − 4·1·(1 + 2^-29)/4 = 2^-60', () => {
    // b = 1 + 2^-30, a = 1/4, c = 1 + 2^-29: b² − 4ac = 1 + 2^-29 + 2^-60 − (1 + 2^-29) = 2^-60.
    // Naively b² rounds away the 2^-60 and the result is 0.
    const b = 1 + 2 ** -30;
    const c = 1 + 2 ** -29;
    expect(b * b - c).toBe(0);
    expect(discriminant(0.25, b, c)).toBe(2 ** -60);
  });

  it('does not overflow in b² when the result is representable', () => {
    // b = 2^520 (b² = 2^1040 overflows), a = 2^519, c = 2^519 − 2^490:
    // 4ac = 2^1040 − 2^1011, so b² − 4ac = 2^1011 exactly.
    expect(2 ** 520 * 2 ** 520).toBe(Infinity);
    expect(discriminant(2 ** 519, 2 ** 520, 2 ** 519 - 2 ** 490)).toBe(2 ** 1011);
  });
});
