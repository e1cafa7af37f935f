"""PyTorch calibration of E18, loss spikes and adaptive clipping (src/experiments/loss-spikes.ts),
on the bundled names (streams written by examples/reference/dump-names.ts): the model family of
gradscope's gpt() built from torch.nn.TransformerEncoderLayer (Pre-LN, tanh-GELU, no dropout,
tied head, GPT-2 init: weights N(0, 0.02^2), residual output projections N(0, (0.02/sqrt(2L))^2),
biases 0), with PyTorch's own random init and batches; Adam (betas 0.9, B2, eps 1e-8), no warmup.

    npx tsx examples/reference/dump-names.ts /tmp/names
    /usr/bin/python3 examples/reference/torch_e18_loss_spikes.py /tmp/names SEED [LR] [ARMS] [STEPS]

ARMS is a comma list of none, norm (clip_grad_norm_ at CLIP_NORM), zclip (ZClip, Kumar et al.
2025: alpha 0.97, z 2.5, 25 warm-up steps, reciprocal clipping; as src/clip/z-clip.ts), spike
(SPAM element-wise spike clipping, Huang et al. 2025: theta 5000, decay = B2, from step 20; as
src/clip/spike-clip.ts). One JSON line per arm: the training loss of every step, the validation
loss every 100 steps, and the spike events by the definition below (fixed before any run).

Spike (defined up front): step t is a spike step when its training loss exceeds mean + Z*std of
the W steps before it AND exceeds that mean by at least RISE*mean; a spike event is a spike step
with no spike step among the GAP steps before it (one event per excursion). W, Z, RISE were
first 50, 5, 0.1; set to 20, 4, 0.05 after the recipe sweep, before the 4-arm runs.

Defaults (E18's recipe, found by a sweep of 20 recipes on the whole training stream, none of
which spiked): the first SUBSET = 512 training tokens, batch 8, Adam (0.9, 0.999) at lr 3e-3, 2
blocks of width 64, 1500 steps; E18_* environment variables override (E18_LAYERS, E18_BATCH,
E18_B2, E18_SUBSET, E18_INIT=gpt2|xavier, E18_NORM=pre|post, E18_WARMUP, E18_EMBED).

Measured 2026-12-06 (PyTorch 1.13), spike events in the first 1200 steps, seeds 0/1/2: none
2/1/4, norm 1/2/3, zclip 4/1/4, spike 4/2/2 (totals 7, 6, 9, 8): no rule removes these spikes.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d = sys.argv[1]
seed = int(sys.argv[2])
LR = float(sys.argv[3]) if len(sys.argv) > 3 else 3e-3
ARMS = sys.argv[4].split(",") if len(sys.argv) > 4 else ["none", "norm", "zclip", "spike"]
STEPS = int(sys.argv[5]) if len(sys.argv) > 5 else 1500
V, T, H = 28, 32, 4
E = int(os.environ.get("E18_EMBED", 64))
L = int(os.environ.get("E18_LAYERS", 2))
B = int(os.environ.get("E18_BATCH", 8))
B2 = float(os.environ.get("E18_B2", 0.999))
SUBSET = int(os.environ.get("E18_SUBSET", 512))
INIT = os.environ.get("E18_INIT", "gpt2")
NORM = os.environ.get("E18_NORM", "pre")
WARMUP = int(os.environ.get("E18_WARMUP", 0))
CLIP_NORM = 1.0
W, Z, RISE, GAP = 20, 4.0, 0.05, 10
train = torch.tensor(np.fromfile(f"{d}/train.bin", dtype=np.int32).astype(np.int64))
val = torch.tensor(np.fromfile(f"{d}/val.bin", dtype=np.int32).astype(np.int64))
if SUBSET > 0:
    train = train[:SUBSET]


class GPT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(V, E)
        self.wpe = torch.nn.Embedding(T, E)
        self.h = torch.nn.ModuleList([
            torch.nn.TransformerEncoderLayer(E, H, 4 * E, 0.0, activation=lambda x: F.gelu(x, approximate="tanh"),
                                             batch_first=True, norm_first=(NORM == "pre"))
            for _ in range(L)])
        self.ln_f = torch.nn.LayerNorm(E) if NORM == "pre" else None
        for name, p in self.named_parameters():
            if INIT == "xavier":
                if p.dim() > 1:
                    torch.nn.init.xavier_uniform_(p)
            elif name.endswith("out_proj.weight") or name.endswith("linear2.weight"):
                torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * L))
            elif p.dim() > 1:
                torch.nn.init.normal_(p, 0.0, 0.02)
            elif "norm" in name or "ln_f" in name:
                torch.nn.init.ones_(p) if name.endswith("weight") else torch.nn.init.zeros_(p)
            else:
                torch.nn.init.zeros_(p)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        mask = torch.ones(idx.shape[1], idx.shape[1], dtype=torch.bool).triu(1)
        for b in self.h:
            x = b(x, src_mask=mask)
        return (self.ln_f(x) if NORM == "pre" else x) @ self.wte.weight.T


off = torch.arange(T)


def windows(stream, starts):
    return stream[starts[:, None] + off], stream[starts[:, None] + off + 1]


def spike_events(losses):
    events, last = [], -10**9
    for t in range(W, len(losses)):
        w = np.array(losses[t - W:t])
        mean, std = w.mean(), w.std()
        if losses[t] > mean + Z * std and losses[t] - mean >= RISE * abs(mean):
            if t - last > GAP:
                events.append(t + 1)  # 1-based step
            last = t
    return events


class ZClip:
    def __init__(self, alpha=0.97, z=2.5, warm=25):
        self.alpha, self.z, self.warm = alpha, z, warm
        self.buf, self.mean, self.var, self.count = [], 0.0, 0.0, 0

    def __call__(self, params):
        total = torch.norm(torch.stack([p.grad.norm() for p in params])).item()
        level, spike = math.inf, False
        if self.count < self.warm:
            self.buf.append(total)
            if len(self.buf) == self.warm:
                self.mean = float(np.mean(self.buf))
                self.var = float(np.var(self.buf))
        else:
            std = math.sqrt(self.var)
            z = (total - self.mean) / (std + 1e-6)
            if z > self.z:
                spike = True
                level = self.mean + (self.z * std) / (z / self.z)
        if total > level:
            c = level / (total + 1e-6)
            for p in params:
                p.grad.mul_(c)
        was_warm = self.count < self.warm
        self.count += 1
        if not was_warm:
            fed = level if spike else total
            self.mean = self.alpha * self.mean + (1 - self.alpha) * fed
            self.var = self.alpha * self.var + (1 - self.alpha) * (fed - self.mean) ** 2


class SpikeClip:
    def __init__(self, params, theta=5000.0, beta=B2, start=20):
        self.theta, self.beta, self.start, self.count = theta, beta, start, 0
        self.v = [torch.zeros_like(p) for p in params]

    def __call__(self, params):
        active = self.count + 1 >= self.start
        for p, v in zip(params, self.v):
            g = p.grad
            if active:
                lim = torch.sqrt(self.theta * v)
                m = (v > 0) & (g * g > self.theta * v)
                g.copy_(torch.where(m, torch.sign(g) * lim, g))
            v.mul_(self.beta).add_((1 - self.beta) * g * g)
        self.count += 1


def vloss(m):
    m.eval()
    with torch.no_grad():
        n = (len(val) - 1) // T
        x, y = windows(val, torch.arange(n) * T)
        r = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1)).item()
    m.train()
    return round(r, 4)


for arm in ARMS:
    torch.manual_seed(seed)
    m = GPT()
    params = list(m.parameters())
    opt = torch.optim.Adam(params, lr=LR, betas=(0.9, B2), eps=1e-8)
    clip = {"none": None, "norm": lambda ps: torch.nn.utils.clip_grad_norm_(ps, CLIP_NORM),
            "zclip": ZClip(), "spike": SpikeClip(params)}[arm]
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / WARMUP, end_factor=1.0, total_iters=WARMUP) \
        if WARMUP > 0 else None
    g = torch.Generator().manual_seed(1000 + seed)
    losses, vals, gnorm = [], [(0, vloss(m))], []
    for step in range(STEPS):
        x, y = windows(train, torch.randint(0, len(train) - T - 1, (B,), generator=g))
        loss = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        gnorm.append(round(torch.norm(torch.stack([p.grad.norm() for p in params])).item(), 4))
        if clip is not None:
            clip(params)
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(round(loss.item(), 4))
        if (step + 1) % 100 == 0:
            vals.append((step + 1, vloss(m)))
    ev = spike_events(losses)
    print(json.dumps({"arm": arm, "seed": seed, "lr": LR, "spikes": len(ev), "at": ev,
                      "val": vals, "maxLoss": max(losses[W:]), "train": losses, "gnorm": gnorm}), flush=True)
