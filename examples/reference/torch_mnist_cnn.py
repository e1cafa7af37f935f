"""PyTorch reference for examples/mnist-cnn.ts: conv 5x5x16 (padding 2) - ReLU - max-pool 2 -
conv 5x5x32 (padding 2) - ReLU - max-pool 2 - linear 1568->10, default init, Adam lr 1e-3,
batch 64, 5 epochs, on gradscope's 8,000 / 2,000 MNIST split.

    npx tsx examples/reference/dump-mnist-split.ts /tmp/mnist-split
    /usr/bin/python3 examples/reference/torch_mnist_cnn.py /tmp/mnist-split 0 2

Measured (PyTorch 1.13, one thread, seeds 0-1): 96.75 % and 96.60 % after 5 epochs
(epoch by epoch: 90.0/89.7, 93.5/94.1, 95.8/95.8, 96.15/96.3, 96.75/96.6 %).
"""
import sys
import time
import numpy as np
import torch

torch.set_num_threads(1)
d = sys.argv[1]
first, last = int(sys.argv[2]), int(sys.argv[3])


def load(name):
    x = np.fromfile(f'{d}/{name}-x.bin', dtype=np.float32).reshape(-1, 1, 28, 28)
    y = np.fromfile(f'{d}/{name}-y.bin', dtype=np.int32).astype(np.int64)
    return torch.tensor(x), torch.tensor(y)


xtr, ytr = load('train')
xte, yte = load('test')
n = len(ytr)
nn = torch.nn
for seed in range(first, last):
    torch.manual_seed(seed)
    m = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    accs = []
    t0 = time.time()
    for epoch in range(5):
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            accs.append((m(xte).argmax(1) == yte).float().mean().item())
    print(seed, ' '.join(f'{a:.4f}' for a in accs), f'{time.time() - t0:.1f}s', flush=True)
