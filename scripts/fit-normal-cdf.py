"""Fits the polynomials of the reproducible normal CDF Φ (src/kernels/js/gelu-math.ts) and checks
them in double precision against mpmath at 40 digits.

Run: python3 scripts/fit-normal-cdf.py   (mpmath and numpy; prints the TypeScript constants and
the worst relative errors). The fits are mpmath's Chebyshev fits (near-minimax), rounded to the
nearest double; the check evaluates the polynomials by Horner's rule in IEEE doubles, exactly as
gelu-math.ts and native/src/transformer_ops.c do, with an exact e^(−x²/2) of the rounded x·x.

- central, |x| ≤ 2: Φ(x) = 0.5 + x·P(x²), P of degree 13 on [0, 4];
- tail, |x| > 2: Q(u) = 1 − Φ(u) = e^(−u²/2)·t·G(t), t = 1/u, G of degree 22 on [1/40, 1/2]
  (Q underflows double precision beyond u ≈ 38.6).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def horner(c, s):
    r = np.float64(c[0])
    for a in c[1:]:
        r = np.float64(a) + s * r
    return r


def fit(f, lo, hi, deg):
    c, err = mp.chebyfit(f, [lo, hi], deg + 1, error=True)
    return [np.float64(float(a)) for a in c], float(err)


def central(s):
    if s == 0:
        return 1 / mp.sqrt(2 * mp.pi)
    return (mp.ncdf(mp.sqrt(s)) - mp.mpf(1) / 2) / mp.sqrt(s)


def tail(t):
    u = 1 / t
    return mp.ncdf(-u) / (mp.exp(-u * u / 2) * t)


P, errP = fit(central, 0, 4, 13)
G, errG = fit(tail, mp.mpf(1) / 40, mp.mpf(1) / 2, 22)


def phi_double(x):
    x = np.float64(x)
    if abs(x) <= 2:
        return np.float64(0.5) + x * horner(P, x * x)
    u = abs(x)
    t = np.float64(1) / u
    e = np.float64(float(mp.exp(-mp.mpf(float(np.float64(0.5) * u * u)))))
    q = e * t * horner(G, t)
    return np.float64(1) - q if x > 0 else q


worst = 0.0
for x in np.linspace(-37, 8, 20001):
    t = mp.ncdf(mp.mpf(float(x)))
    worst = max(worst, float(abs((mp.mpf(float(phi_double(x))) - t) / t)))

print(f'// central fit error {errP:.2e}, tail fit error {errG:.2e}; worst relative error of Φ on [-37, 8]: {worst:.2e}')
print('const P = [' + ', '.join(repr(float(a)) for a in P) + ']; // highest degree first')
print('const G = [' + ', '.join(repr(float(a)) for a in G) + ']; // highest degree first')
