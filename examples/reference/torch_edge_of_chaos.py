"""PyTorch calibration of E19 (src/experiments/edge-of-chaos.ts): deep tanh MLPs with weights
N(0, sigma_w^2 / fan_in) and biases N(0, sigma_b^2), trained on gradscope's 8,000 / 2,000 MNIST
split with RMSProp (PyTorch defaults alpha 0.99, eps 1e-8), batch 32, reshuffled every epoch (last
partial batch dropped), for a short budget. For every (sigma_w^2, depth, seed) it prints one JSON
line with
  - grad_ratio0: ||g|| of the first Linear (weight and bias) / ||g|| of the last Linear, on the
    first batch at initialization (what the gradient-health monitor's vanishing rule reads);
  - acc: accuracy on the first 2,000 training digits after the budget (the trainability measure);
  - final_loss: mean cross-entropy of the last 50 batches.

    npx tsx examples/reference/dump-mnist-split.ts /tmp/mnist-split
    /usr/bin/python3 examples/reference/torch_edge_of_chaos.py /tmp/mnist-split \
        [--steps 400] [--lr 1e-4] [--width 64] [--sb2 0.05] [--seeds 0,1] \
        [--points 1.0:20,1.76:50,4.0:20,...]  > examples/reference/torch-edge-of-chaos.jsonl

Depth is the number of tanh hidden layers (Linear+tanh blocks); a final Linear maps to 10 logits.
"""
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def arg(name, default):
    if f'--{name}' in sys.argv:
        return sys.argv[sys.argv.index(f'--{name}') + 1]
    return default


d = sys.argv[1]
steps = int(arg('steps', 400))
lr = float(arg('lr', 1e-4))
width = int(arg('width', 64))
sb2 = float(arg('sb2', 0.05))
batch = int(arg('batch', 32))
seeds = [int(s) for s in arg('seeds', '0').split(',')]
points = [(float(p.split(':')[0]), int(p.split(':')[1]))
          for p in arg('points', '1.0:20,1.0:50,1.76:20,1.76:50,4.0:20,4.0:50').split(',')]


def load(name):
    x = np.fromfile(f'{d}/{name}-x.bin', dtype=np.float32).reshape(-1, 784)
    y = np.fromfile(f'{d}/{name}-y.bin', dtype=np.int32).astype(np.int64)
    return torch.tensor(x), torch.tensor(y)


xtr, ytr = load('train')
xev, yev = xtr[:2000], ytr[:2000]
n = len(ytr)


def model(sw2, depth):
    nn = torch.nn
    sizes = [784] + [width] * depth + [10]
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            lin.weight.normal_(0, (sw2 / sizes[i]) ** 0.5)
            lin.bias.normal_(0, sb2 ** 0.5)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def layer_norm(lin):
    return (lin.weight.grad.norm() ** 2 + lin.bias.grad.norm() ** 2).sqrt().item()


for sw2, depth in points:
    for seed in seeds:
        t0 = time.time()
        torch.manual_seed(seed)
        m = model(sw2, depth)
        lins = [l for l in m if isinstance(l, torch.nn.Linear)]
        opt = torch.optim.RMSprop(m.parameters(), lr=lr)
        losses = []
        ratio0 = None
        step = 0
        while step < steps:
            perm = torch.randperm(n)
            for i in range(0, n - batch + 1, batch):
                if step >= steps:
                    break
                idx = perm[i:i + batch]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(m(xtr[idx]), ytr[idx])
                loss.backward()
                if ratio0 is None:
                    ratio0 = layer_norm(lins[0]) / layer_norm(lins[-1])
                opt.step()
                losses.append(loss.item())
                step += 1
        with torch.no_grad():
            acc = (m(xev).argmax(1) == yev).float().mean().item()
        tail = [l for l in losses[-50:]]
        print(json.dumps({'sigmaW2': sw2, 'depth': depth, 'seed': seed, 'width': width, 'sigmaB2': sb2,
                          'steps': steps, 'lr': lr, 'batch': batch, 'grad_ratio0': ratio0,
                          'acc': round(acc, 4), 'final_loss': round(sum(tail) / len(tail), 4),
                          'seconds': round(time.time() - t0, 1)}), flush=True)
