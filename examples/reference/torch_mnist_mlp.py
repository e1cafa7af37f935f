"""PyTorch reference for src/train/mnist.test.ts: a 784-128-10 ReLU MLP (or, with --linear,
softmax regression), default init, Adam lr 1e-3, batch 64, reshuffled every epoch, 10 epochs, on
gradscope's 8,000 / 2,000 MNIST split. Prints the test accuracy after every epoch, per seed.

    npx tsx examples/reference/dump-mnist-split.ts /tmp/mnist-split
    /usr/bin/python3 examples/reference/torch_mnist_mlp.py /tmp/mnist-split 0 12 [--linear]

Measured (PyTorch 1.13, Debian python3-torch, seeds 0-11): MLP 90.00-91.35 % after 3 epochs,
92.70-93.60 % after 10; linear 87.8-88.1 % and 90.0-90.5 % (seeds 0-2).
"""
import sys
import numpy as np
import torch

torch.set_num_threads(1)
d = sys.argv[1]
first, last = int(sys.argv[2]), int(sys.argv[3])
linear = '--linear' in sys.argv


def load(name):
    x = np.fromfile(f'{d}/{name}-x.bin', dtype=np.float32).reshape(-1, 784)
    y = np.fromfile(f'{d}/{name}-y.bin', dtype=np.int32).astype(np.int64)
    return torch.tensor(x), torch.tensor(y)


xtr, ytr = load('train')
xte, yte = load('test')
n = len(ytr)
for seed in range(first, last):
    torch.manual_seed(seed)
    nn = torch.nn
    m = nn.Sequential(nn.Linear(784, 10)) if linear else nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    accs = []
    for epoch in range(10):
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            accs.append((m(xte).argmax(1) == yte).float().mean().item())
    print(seed, ' '.join(f'{a:.4f}' for a in accs), flush=True)
