"""PyTorch calibration of E20 part (b), Newton on a small regression network
(src/experiments/newton.ts): a 1-16-16-1 tanh MLP fitting sin(3x) on 64 evenly spaced points of
[-1, 1], mean squared error, float64, from the initial weights gradscope uses (written by
examples/reference/dump-newton-setup.ts). Counts the iterations until the loss is below TARGET:
- full-batch GD at each lr of the grid 0.03, 0.1, 0.3, 1 (at most 20000 steps);
- saddle-free Newton (Dauphin et al. 2014) with damping lambda in 1e-4, 1e-3, 1e-2, 1e-1: 20
  Lanczos steps from g on exact HVPs (torch.autograd.functional.hvp, full reorthogonalisation),
  d = -sum_i (y_i . g) / (|theta_i| + lambda) y_i over the Ritz pairs, step 1 (at most 200 steps);
- plain Newton, (H) d = -g by 20 CG steps, no damping (at most 200 steps).

    npx tsx examples/reference/dump-newton-setup.ts /tmp/e20 0 1 2
    /usr/bin/python3 examples/reference/torch_newton.py /tmp/e20 SEED [TARGET]

Prints one line per method: name, iterations to the target (-1 if never), final loss.
"""
import sys

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
d, seed = sys.argv[1], int(sys.argv[2])
target = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-3
N = 64
x = torch.linspace(-1, 1, N)[:, None]
y = torch.sin(3 * x)
dims = [1, 16, 16, 1]
shapes = []
for a, b in zip(dims[:-1], dims[1:]):
    shapes += [(b, a), (b,)]
init = torch.tensor(np.fromfile(f'{d}/init-{seed}.bin', dtype=np.float64))


def loss_of(flat):
    ps, o = [], 0
    for s in shapes:
        k = int(np.prod(s))
        ps.append(flat[o:o + k].view(s))
        o += k
    h = x
    for i in range(0, len(ps), 2):
        h = h @ ps[i].T + ps[i + 1]
        if i < len(ps) - 2:
            h = torch.tanh(h)
    return ((h - y) ** 2).mean()


def hvp(flat, v):
    return torch.autograd.functional.hvp(loss_of, flat, v)[1]


def saddle_free(flat, g, m, lam):
    q = [g / g.norm()]
    alpha, beta = [], []
    for j in range(m):
        w = hvp(flat, q[-1])
        alpha.append(float(w @ q[-1]))
        for _ in range(2):
            for u in q:
                w = w - (w @ u) * u
        b = float(w.norm())
        if b < 1e-14 or j == m - 1:
            break
        beta.append(b)
        q.append(w / b)
    k = len(alpha)
    t = np.diag(alpha) + np.diag(beta[:k - 1], 1) + np.diag(beta[:k - 1], -1)
    theta, s = np.linalg.eigh(t)
    ys = torch.stack(q[:k], 1) @ torch.tensor(s)
    return ys @ (-(ys.T @ g) / (torch.tensor(np.abs(theta)) + lam))


def plain_newton(flat, g, m):
    z = torch.zeros_like(g)
    r = g.clone()
    p = -g
    rr = float(r @ r)
    for _ in range(m):
        bp = hvp(flat, p)
        c = float(p @ bp)
        if c == 0 or not np.isfinite(c):
            break
        a = rr / c
        z = z + a * p
        r = r + a * bp
        rn = float(r @ r)
        if rn <= 1e-24 * float(g @ g):
            break
        p = -r + (rn / rr) * p
        rr = rn
    return z


def run(name, step, budget):
    f = init.clone().requires_grad_(True)
    hit, l = -1, None
    for t in range(budget + 1):
        l = loss_of(f)
        if l.item() < target:
            hit = t
            break
        if t == budget or not np.isfinite(l.item()):
            break
        (g,) = torch.autograd.grad(l, f)
        with torch.no_grad():
            f += step(f.detach(), g)
    print(name, hit, f'{l.item():.4g}', flush=True)


for lr in [0.03, 0.1, 0.3, 1.0]:
    run(f'gd lr={lr}', lambda f, g, lr=lr: -lr * g, 20000)
for lam in [1e-4, 1e-3, 1e-2, 1e-1]:
    run(f'saddle-free lambda={lam}', lambda f, g, lam=lam: saddle_free(f, g, 20, lam), 200)
run('plain newton', lambda f, g: plain_newton(f, g, 20), 200)
