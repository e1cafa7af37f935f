"""PyTorch calibration of E18, loss spikes and adaptive clipping (src/experiments/loss-spikes.ts),
on the bundled names (streams written by examples/reference/dump-names.ts): the model family of
gradscope's gpt() built from torch.nn.TransformerEncoderLayer (Pre-LN, tanh-GELU, no dropout,
tied head, GPT-2 init: weights N(0, 0.02^2), residual output projections N(0, (0.02/sqrt(2L))^2),
biases 0), with PyTorch's own random init; AdamW (betas 0.9, B2, eps 1e-8, no decay), no warmup.

    npx tsx examples/reference/dump-names.ts /tmp/names
    /usr/bin/python3 examples/reference/torch_e18_loss_spikes.py /tmp/names SEEDS ARMS STEPS

SEEDS and ARMS are comma lists; ARMS of none, norm (clip_grad_norm_ at 1), zclip (ZClip, Kumar et
al. 2025: alpha 0.97, z 2.5, 25 warm-up steps, reciprocal clipping; as src/clip/z-clip.ts), spike
(SPAM element-wise spike clipping, Huang et al. 2025: theta 5000, decay = B2, from step 20; as
src/clip/spike-clip.ts). One JSON line per (seed, arm): the spike events by the definition below,
for each event the largest global gradient norm of the 5 steps before it over the median of the
20 steps before those ("lead": > 5 means the gradient spiked first), each event's size (the largest
loss of its step and the GAP steps after, over the window's mean, as spikePeaks), the mean loss
of the last 100 steps, CPU seconds, and every step's loss and gradient norm.

Spike (defined before any run, the same rule as src/experiments/loss-spike-count.ts): step t is
a spike step when its training loss exceeds mean + 4 std of the 20 steps before it and exceeds
that mean by at least 5 %; an event is a spike step with no spike step among the 10 before it.

The recipe (E18_* environment variables override, for the sweep in docs/EXPERIMENTS.md E18):
E18_FULL=1 trains every step on the whole stream in consecutive windows (full batch), else on
E18_BATCH random windows; E18_SUBSET keeps the first tokens of the training stream (0: all);
E18_LR, E18_B2, E18_EPS, E18_WD (AdamW), E18_EMBED, E18_LAYERS, E18_HEADS, E18_CTX, E18_NORM
(pre|post), E18_WARMUP (linear, steps), E18_TAG (a label copied to the output). The defaults are
the full-batch regime of the 2026-12-07 search (257 tokens = 8 windows, lr 1e-3), where spikes do
follow gradient spikes; E18's recipe itself (random windows of the first 512 tokens, lr 3e-3) is
E18_FULL=0 E18_SUBSET=512 E18_LR=3e-3.

Measured 2026-12-06, E18's recipe, events in 1,200 steps, seeds 0/1/2: none 2/1/4, norm 1/2/3,
zclip 4/1/4, spike 4/2/2 (totals 7, 6, 9, 8): no rule removes these spikes, and they do not
follow gradient spikes (lead 1.4-2.1).
Measured 2026-12-07, full batch (defaults), seeds 0/1/2: none 1/0/0 (seed 0: a 17x spike at step
266, the gradient 0.08 -> 17 over the 20 steps before); zclip 2/5/- (excursions <= 1.5x); spike
1/0/0 (the same 19x spike); at lr 3e-3, seed 0: none 1 (lead 86x), zclip 5. Table and reading:
docs/EXPERIMENTS.md, E18.
Measured 2026-12-07, the control of E18's pooled-count criterion (E18's recipe at a lower lr, no
clipping, seeds 0,1,2, 1,200 steps), for lr in 3e-4 1e-4:
    E18_FULL=0 E18_SUBSET=512 E18_LR=$lr /usr/bin/python3 examples/reference/torch_e18_loss_spikes.py /tmp/names 0,1,2 none 1200
lr 3e-4: events 1/1/0 (steps 718 / 674; peaks 1.149, 1.226; last-100 loss 0.416/0.352/0.410);
lr 1e-4: 0/0/3 (666, 790, 1150; peaks 1.079-1.090; loss 1.47/1.42/1.51); lr 1e-3, seed 0: 1 (1.72).
The bare count does not separate them from E18's recipe (7 events, every one peaking at 1.35-1.92x
in all four arms, 24 events): E18 counts events peaking at >= 1.3x (0 in both controls).
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d = sys.argv[1]
seeds = [int(s) for s in sys.argv[2].split(",")]
ARMS = sys.argv[3].split(",")
STEPS = int(sys.argv[4])
env = lambda k, dflt: type(dflt)(os.environ.get("E18_" + k, dflt))
LR = env("LR", 1e-3); B2 = env("B2", 0.999); EPS = env("EPS", 1e-8)
E = env("EMBED", 64); L = env("LAYERS", 2); H = env("HEADS", 4); T = env("CTX", 32)
B = env("BATCH", 8); SUBSET = env("SUBSET", 257); NORM = env("NORM", "pre"); WARMUP = env("WARMUP", 0)
WD = env("WD", 0.0); TAG = env("TAG", ""); FULL = env("FULL", 1)
V = 28
CLIP_NORM = 1.0
W, Z, RISE, GAP = 20, 4.0, 0.05, 10
train = torch.tensor(np.fromfile(f"{d}/train.bin", dtype=np.int32).astype(np.int64))
if SUBSET > 0:
    train = train[:SUBSET]

class GPT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(V, E)
        self.wpe = torch.nn.Embedding(T, E)
        self.h = torch.nn.ModuleList([
            torch.nn.TransformerEncoderLayer(E, H, 4 * E, 0.0, activation=lambda x: F.gelu(x, approximate="tanh"),
                                             batch_first=True, norm_first=(NORM == "pre")) for _ in range(L)])
        self.ln_f = torch.nn.LayerNorm(E) if NORM == "pre" else None
        for name, p in self.named_parameters():
            if name.endswith("out_proj.weight") or name.endswith("linear2.weight"):
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
        w = np.array(losses[t - W:t]); mean, std = w.mean(), w.std()
        x = losses[t]
        if (not math.isfinite(x)) or (x > mean + Z * std and x - mean >= RISE * abs(mean)):
            if t - last > GAP:
                events.append(t + 1)
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
                self.mean = float(np.mean(self.buf)); self.var = float(np.var(self.buf))
        else:
            std = math.sqrt(self.var); z = (total - self.mean) / (std + 1e-6)
            if z > self.z:
                spike = True; level = self.mean + (self.z * std) / (z / self.z)
        if total > level:
            c = level / (total + 1e-6)
            for p in params: p.grad.mul_(c)
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
                lim = torch.sqrt(self.theta * v); m = (v > 0) & (g * g > self.theta * v)
                g.copy_(torch.where(m, torch.sign(g) * lim, g))
            v.mul_(self.beta).add_((1 - self.beta) * g * g)
        self.count += 1

for seed in seeds:
  for arm in ARMS:
    t0 = time.process_time()
    torch.manual_seed(seed)
    m = GPT(); params = list(m.parameters())
    opt = torch.optim.AdamW(params, lr=LR, betas=(0.9, B2), eps=EPS, weight_decay=WD)
    clip = {"none": None, "norm": lambda ps: torch.nn.utils.clip_grad_norm_(ps, CLIP_NORM),
            "zclip": ZClip(), "spike": SpikeClip(params)}[arm]
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / WARMUP, end_factor=1.0, total_iters=WARMUP) if WARMUP > 0 else None
    g = torch.Generator().manual_seed(1000 + seed)
    losses, gnorm = [], []
    for step in range(STEPS):
        x, y = windows(train, torch.arange((len(train) - 1) // T) * T) if FULL else windows(train, torch.randint(0, len(train) - T - 1, (B,), generator=g))
        loss = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(); loss.backward()
        gnorm.append(torch.norm(torch.stack([p.grad.norm() for p in params])).item())
        if clip is not None: clip(params)
        opt.step()
        if sched is not None: sched.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]): break
    ev = spike_events(losses)
    # gradient lead: max gnorm over steps t-5..t-1 (1-based t) relative to median of the 20 before t-5
    lead = []
    for e in ev:
        i = e - 1
        pre = gnorm[max(0, i - 5):i]; base = gnorm[max(0, i - 25):max(1, i - 5)]
        lead.append(round(max(pre) / float(np.median(base)), 2) if pre and base else None)
    # size of each event (as spikePeaks): the largest loss of steps t..t+GAP over the window's mean
    peaks = [round(max(losses[e - 1:e + GAP]) / float(np.mean(losses[e - 1 - W:e - 1])), 3) for e in ev]
    print(json.dumps({"tag": TAG, "full": FULL, "lr": LR, "b2": B2, "eps": EPS, "E": E, "L": L, "T": T, "B": B, "subset": SUBSET, "norm": NORM,
                      "warmup": WARMUP, "wd": WD, "seed": seed, "arm": arm, "n": len(ev), "at": ev, "lead": lead, "peaks": peaks,
                      "tail": round(float(np.mean(losses[-100:])), 3), "cpu": round(time.process_time() - t0, 1),
                      "loss": [round(v, 4) for v in losses], "gnorm": [round(v, 4) for v in gnorm]}), flush=True)
