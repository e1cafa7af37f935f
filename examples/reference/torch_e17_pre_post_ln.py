"""PyTorch calibration of E17, Pre-LN vs Post-LN (src/experiments/pre-post-ln.ts; Xiong et al.,
ICML 2020), on the bundled names (streams written by examples/reference/dump-names.ts): the same
model family as gradscope's gpt() built from torch.nn.TransformerEncoderLayer (context 32, 4
heads, width 64, tanh-GELU, no dropout, Xavier-uniform on every parameter with more than one axis
as torch.nn.Transformer does, tied head), with PyTorch's own random init and batches.

    npx tsx examples/reference/dump-names.ts /tmp/names
    /usr/bin/python3 examples/reference/torch_e17_pre_post_ln.py /tmp/names a      # part (a)
    /usr/bin/python3 examples/reference/torch_e17_pre_post_ln.py /tmp/names b SEED # part (b)

(a) prints, per norm placement and depth L in 2, 4, 6, 8, 12, the mean over seeds 0-2 of
||dL/dW2|| of every block's feed-forward output weight at initialisation (one batch of 16 windows).
(b) trains 6 blocks with Adam (betas 0.9, 0.98), lr 3e-3, batch 32, 800 steps: Post-LN without
warmup, Post-LN with a 200-step linear warmup (LinearLR from 1/200), Pre-LN without warmup; prints
the validation loss every 200 steps.

Measured 2026-12-06 (PyTorch 1.13, seed 0): (b) Post-LN no warmup 4.061 -> 2.861 -> 2.855 ->
2.854 -> 2.856; Post-LN warmup 2.114; Pre-LN no warmup 2.107; at lr 1e-3 all three reach
2.14-2.16. The unigram model's validation loss is 2.853 (unigramLoss in src/data/char-text.ts).
Seeds 1 and 2 (2026-12-07): Post-LN no warmup 4.589 -> 2.859 -> 2.857 -> 2.859 -> 2.855 and
4.255 -> 2.856 -> 2.857 -> 2.858 -> 2.855; Post-LN warmup 2.121 and 2.120; Pre-LN 2.109 and 2.104.
(a), last block, L = 2, 4, 6, 8, 12 (rerun 2026-12-07, same figures): Post-LN 0.9185, 0.7983,
1.1335, 1.1598, 1.3746 (least-squares log-log slope +0.25); Pre-LN 1.3292, 0.7876, 0.9306,
0.6979, 0.6478 (slope -0.38).
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d, part = sys.argv[1], sys.argv[2]
train = torch.tensor(np.fromfile(f"{d}/train.bin", dtype=np.int32).astype(np.int64))
val = torch.tensor(np.fromfile(f"{d}/val.bin", dtype=np.int32).astype(np.int64))
V, T, E, H = 28, 32, 64, 4


class GPT(torch.nn.Module):
    def __init__(self, layers, norm, dtype=torch.float32):
        super().__init__()
        self.wte = torch.nn.Embedding(V, E)
        self.wpe = torch.nn.Embedding(T, E)
        self.h = torch.nn.ModuleList([
            torch.nn.TransformerEncoderLayer(E, H, 4 * E, 0.0, activation=lambda x: F.gelu(x, approximate="tanh"),
                                             batch_first=True, norm_first=(norm == "pre"))
            for _ in range(layers)])
        self.ln_f = torch.nn.LayerNorm(E) if norm == "pre" else None
        for p in self.parameters():
            if p.dim() > 1:
                torch.nn.init.xavier_uniform_(p)
        self.to(dtype)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        mask = torch.ones(idx.shape[1], idx.shape[1], dtype=torch.bool).triu(1)
        for b in self.h:
            x = b(x, src_mask=mask)
        if self.ln_f is not None:
            x = self.ln_f(x)
        return x @ self.wte.weight.T


off = torch.arange(T)


def windows(stream, starts):
    return stream[starts[:, None] + off], stream[starts[:, None] + off + 1]


if part == "a":
    out = {}
    for norm in ("post", "pre"):
        for L in (2, 4, 6, 8, 12):
            norms = []
            for seed in range(3):
                torch.manual_seed(seed)
                m = GPT(L, norm, torch.float64)
                g = torch.Generator().manual_seed(100 + seed)
                x, y = windows(train, torch.randint(0, len(train) - T - 1, (16,), generator=g))
                F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1)).backward()
                norms.append([m.h[l].linear2.weight.grad.norm().item() for l in range(L)])
            mean = np.mean(np.array(norms), axis=0)
            out[f"{norm}-L{L}"] = [round(float(v), 4) for v in mean]
            print(norm, L, "last", round(float(mean[-1]), 4), flush=True)
    print(json.dumps(out))
else:
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    for name, norm, warm in (("post", "post", 0), ("post-warmup", "post", 200), ("pre", "pre", 0)):
        torch.manual_seed(seed)
        m = GPT(6, norm)
        opt = torch.optim.Adam(m.parameters(), lr=3e-3, betas=(0.9, 0.98), eps=1e-8)
        sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / warm, end_factor=1.0, total_iters=warm) \
            if warm > 0 else None
        g = torch.Generator().manual_seed(1000 + seed)

        def vloss():
            m.eval()
            with torch.no_grad():
                n = (len(val) - 1) // T
                x, y = windows(val, torch.arange(n) * T)
                r = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1)).item()
            m.train()
            return round(r, 4)

        hist = [vloss()]
        for step in range(800):
            x, y = windows(train, torch.randint(0, len(train) - T - 1, (32,), generator=g))
            loss = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            if (step + 1) % 200 == 0:
                hist.append(vloss())
        print(json.dumps({"arm": name, "seed": seed, "val": hist}), flush=True)
