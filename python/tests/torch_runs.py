"""PyTorch training runs with the GradScope hook, for test/pytorch-hook.test.ts.

The test writes a safetensors bundle (initial weights and/or batches, settings in its
``__metadata__``) with gradscope, runs one of these commands with /usr/bin/python3, and replays
the ``records.jsonl`` it writes through gradscope's detectors.

    python3 torch_runs.py crosscheck BUNDLE OUT   # float64 MLP from gradscope's initial weights
    python3 torch_runs.py mlp BUNDLE OUT          # E12: 10-layer MLP on MNIST digits (arm in metadata)
    python3 torch_runs.py rnn BUNDLE OUT          # E13-style tanh RNN on addition batches

Prints one line ``RESULT {json}`` (losses, first non-finite step) at the end.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gradscope_torch import GradScope  # noqa: E402

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "I32": torch.int32}


def read_safetensors(path):
    """The tensors and the metadata of a safetensors file (no `safetensors` package needed)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        buf = bytearray(raw[base + a : base + b])
        t = torch.frombuffer(buf, dtype=_DTYPES[e["dtype"]]) if b > a else torch.empty(0, dtype=_DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def activation(name):
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]()


def mlp(sizes, activations):
    """nn.Sequential(Linear, act, Linear, act, …, Linear): gradscope's `mlp` numbering."""
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation(activations[i % len(activations)]))
    return nn.Sequential(*layers)


def result(losses, **extra):
    first_bad = next((i + 1 for i, l in enumerate(losses) if not (l == l and abs(l) != float("inf"))), -1)
    print("RESULT " + json.dumps({"losses": [l if l == l and abs(l) != float("inf") else str(l) for l in losses],
                                  "firstNonFinite": first_bad, **extra}))


def crosscheck(bundle, out):
    """SGD with momentum from gradscope's initial weights on gradscope's batches, float64."""
    t, meta = read_safetensors(bundle)
    sizes = json.loads(meta["sizes"])
    model = mlp(sizes, meta["activations"].split(",")).double()
    model.load_state_dict({k: v for k, v in t.items() if k not in ("x", "y")}, strict=True)
    lr, batch, steps = float(meta["lr"]), int(meta["batch"]), int(meta["steps"])
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=float(meta["momentum"]))
    # every statistic at every check (as gradscope's monitor with `params: true`), and a second
    # hook with the default sampling (per-parameter statistics every 10th check, activation probes
    # every 4th) on the same run
    monitors = [GradScope(model, out=out, params_every=1, probe_every=1),
                GradScope(model, out=out + "-default")]
    x, y = t["x"], t["y"].long()
    losses = []
    model.train()
    for s in range(steps):
        xb, yb = x[s * batch : (s + 1) * batch], y[s * batch : (s + 1) * batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        for monitor in monitors:
            monitor.step(loss=loss, lr=lr)
        opt.step()
        losses.append(loss.item())
    for monitor in monitors:
        monitor.close()
    result(losses)


def mnist_mlp(bundle, out):
    """E12 (src/experiments/internal/flagship-mlp.ts) in PyTorch: MLP [784, width × 9, 10] on the
    MNIST digits, cross-entropy, SGD momentum 0.9; the optimizer wrapped by the hook."""
    t, meta = read_safetensors(bundle)
    width, hidden = int(meta["width"]), int(meta["hidden"])
    act, init = meta["activation"], meta.get("init", "standard")
    lr, batch, steps, seed = float(meta["lr"]), int(meta["batch"]), int(meta["steps"]), int(meta["seed"])
    torch.manual_seed(seed)
    model = mlp([784] + [width] * hidden + [10], [act])
    if init == "heNormal":  # gradscope's heNormal: N(0, 2/fanIn), biases zero
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
    elif init != "standard":
        raise ValueError(f"init = {init!r}; expected 'standard' or 'heNormal'")
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    monitor = GradScope(model, out=out)
    opt = monitor.wrap(opt)
    x, y = t["x"].float(), t["y"].long()
    g = torch.Generator().manual_seed(2000 + seed)
    perm = torch.randperm(x.shape[0], generator=g)
    losses = []
    pos = 0
    model.train()
    for _ in range(steps):
        if pos + batch > x.shape[0]:
            perm, pos = torch.randperm(x.shape[0], generator=g), 0
        idx = perm[pos : pos + batch]
        pos += batch
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        monitor.watch(loss)
        opt.step()
        losses.append(loss.item())
    monitor.close()
    result(losses)


class LastStep(nn.Module):
    """A tanh RNN read out by a Linear head at the last time step: ŷ = head(h_T)."""

    def __init__(self, hidden, radius):
        super().__init__()
        self.rnn = nn.RNN(2, hidden, nonlinearity="tanh")
        self.head = nn.Linear(hidden, 1)
        with torch.no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)  # every eigenvalue of modulus 1 …
            self.rnn.weight_hh_l0.mul_(radius)  # … so the spectral radius is exactly `radius`

    def forward(self, x):
        o, _ = self.rnn(x)
        return self.head(o[-1])


def rnn(bundle, out):
    """The tanh RNN of E13 (src/monitor/exploding.test.ts: 32 units, T = 50, plain SGD) on
    gradscope's addition batches, W_hh = radius·Q."""
    t, meta = read_safetensors(bundle)
    lr, steps, seed = float(meta["lr"]), int(meta["steps"]), int(meta["seed"])
    torch.manual_seed(seed)
    model = LastStep(int(meta["hidden"]), float(meta["radius"]))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    monitor = GradScope(model, out=out)
    x, y = t["x"].float(), t["y"].float()
    losses = []
    for s in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(x[s]), y[s])
        loss.backward()
        monitor.step(loss=loss, lr=lr)
        opt.step()
        losses.append(loss.item())
    monitor.close()
    result(losses)


if __name__ == "__main__":
    torch.set_num_threads(1)
    cmd, bundle, out = sys.argv[1:4]
    {"crosscheck": crosscheck, "mlp": mnist_mlp, "rnn": rnn}[cmd](bundle, out)
