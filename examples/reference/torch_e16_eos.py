"""PyTorch calibration of E16, the Edge of Stability (src/experiments/edge-of-stability.ts; Cohen,
Kaur, Li, Kolter & Talwalkar, ICLR 2021): full-batch gradient descent with step eta on a
196-32-32-32-10 tanh MLP with the square loss 1/2 |f(x) - y|^2 (mean over the digits), on the
500 pooled, centred MNIST digits and from the initial weights that gradscope uses (written by
examples/reference/dump-e16-setup.ts), in float64. The sharpness lambda_max is computed every
EVERY steps by Lanczos (full reorthogonalisation, ITERS steps, Gaussian start vector) on exact
Hessian-vector products from torch.autograd.functional.hvp (double backward).

    npx tsx examples/reference/dump-e16-setup.ts /tmp/e16 0 1
    /usr/bin/python3 examples/reference/torch_e16_eos.py /tmp/e16 SEED 0.4,0.3,0.2,0.02 [STEPS] [EVERY] [ITERS]

Prints one JSON line per eta with the quantities E16's criteria read: lambda_max(init)/(2/eta),
the mean of lambda_max over the last fifth of the measurements / (2/eta), the largest
lambda_max / (2/eta), the first measured step with lambda_max >= 2/eta, the number of steps after
it at which the loss went up, the loss at that step and at the end, and the lambda_max series.
"""
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
d, seed = sys.argv[1], int(sys.argv[2])
etas = [float(e) for e in sys.argv[3].split(',')]
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 1600
every = int(sys.argv[5]) if len(sys.argv) > 5 else 20
iters = int(sys.argv[6]) if len(sys.argv) > 6 else 20
hidden = [32, 32, 32]

x = torch.tensor(np.fromfile(f'{d}/x.bin', dtype=np.float64)).reshape(-1, 196)
y = torch.tensor(np.fromfile(f'{d}/y.bin', dtype=np.float64)).reshape(-1, 10)
n = x.shape[0]
dims = [196] + hidden + [10]
shapes = []
for a, b in zip(dims[:-1], dims[1:]):
    shapes += [(b, a), (b,)]
init = torch.tensor(np.fromfile(f'{d}/init-{seed}.bin', dtype=np.float64))
assert init.numel() == sum(int(np.prod(s)) for s in shapes)


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
    return 0.5 * ((h - y) ** 2).sum() / n


def lambda_max(flat):
    """Largest Ritz value of ITERS Lanczos steps (full reorthogonalisation) on exact HVPs."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(flat.numel(), generator=g)
    basis = [v / v.norm()]
    alpha, beta = [], []
    for j in range(iters):
        w = torch.autograd.functional.hvp(loss_of, flat, basis[-1])[1]
        a = float(w @ basis[-1])
        alpha.append(a)
        w = w - a * basis[-1] - (beta[-1] * basis[-2] if beta else 0)
        for u in basis:
            w = w - (w @ u) * u
        b = float(w.norm())
        if b < 1e-12 or j == iters - 1:
            break
        beta.append(b)
        basis.append(w / b)
    t = np.diag(alpha) + np.diag(beta[:len(alpha) - 1], 1) + np.diag(beta[:len(alpha) - 1], -1)
    return float(np.linalg.eigvalsh(t)[-1])


for eta in etas:
    t0 = time.time()
    flat = init.clone().requires_grad_(True)
    losses, sharp_steps, sharp = [], [], []
    for t in range(steps + 1):
        if t % every == 0 or t == steps:
            sharp_steps.append(t)
            sharp.append(lambda_max(flat.detach()))
        loss = loss_of(flat)
        losses.append(loss.item())
        if t == steps:
            break
        (g,) = torch.autograd.grad(loss, flat)
        with torch.no_grad():
            flat -= eta * g
    edge = 2 / eta
    m = len(sharp)
    tail = sharp[m - max(1, round(m / 5)):]
    crossing = next((s for s, l in zip(sharp_steps, sharp) if l >= edge), -1)
    inc = sum(1 for t in range(crossing + 1, len(losses)) if losses[t] > losses[t - 1]) if crossing >= 0 else 0
    print(json.dumps({
        'seed': seed, 'eta': eta, 'edge': edge,
        'initRatio': round(sharp[0] / edge, 4),
        'endRatio': round(float(np.mean(tail)) / edge, 4),
        'maxRatio': round(max(sharp) / edge, 4),
        'crossing': crossing, 'increasesAfter': inc,
        'lossAtCrossing': round(losses[crossing], 5) if crossing >= 0 else None,
        'finalLoss': round(losses[-1], 5),
        'seconds': round(time.time() - t0, 1),
        'sharpness': [round(l, 3) for l in sharp],
    }), flush=True)
