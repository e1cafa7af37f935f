"""PyTorch replay of a gradscope character-level GPT run (src/train/char-lm.ts), for
src/train/char-lm.test.ts and the #19 calibration: the same initial weights (gradscope's, as
safetensors), the same training windows (gradscope's batch positions) and the same recipe (AdamW,
betas (0.9, b2), eps 1e-8, optional linear warmup as torch.optim.lr_scheduler.LinearLR, optional
clip_grad_norm_), with the model built from torch.nn.TransformerEncoderLayer blocks whose
parameter names are gradscope's. Prints a JSON line {valLoss0, valLoss, trainLoss}.

    /usr/bin/python3 examples/reference/torch_char_gpt.py DIR

DIR holds config.json (model, steps, batch, lr, b2, warmup, weightDecay, clipNorm, vocab, dtype),
init.safetensors, train.bin / val.bin (int32 token streams) and starts.bin (int32 [steps, batch]).
src/train/char-lm.test.ts writes DIR for a trainCharLm run; examples/reference/dump-train-run.ts
writes it for a `gradscope train --config` run (the config's initial weights and the windows its
DataLoader yields):

    npx tsx examples/reference/dump-train-run.ts examples/configs/names-gpt.json /tmp/names-gpt
    /usr/bin/python3 examples/reference/torch_char_gpt.py /tmp/names-gpt
    npx tsx src/cli/main.ts train --config examples/configs/names-gpt.json --out /tmp/names-run

Measured 2026-12-07 (issue 19's acceptance, docs/EXPERIMENTS.md "Char-level GPT against
PyTorch"): names-gpt.json, 300 steps: gradscope val.loss 2.3316748142, PyTorch 2.3316749635
(1.5e-7 apart; the batch losses logged every 50 steps agree to 2.4e-7).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d = sys.argv[1]
cfg = json.load(open(os.path.join(d, "config.json")))
m = cfg["model"]
dtype = torch.float64 if cfg.get("dtype") == "float64" else torch.float32
torch.set_default_dtype(dtype)


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        npd = {"F32": np.float32, "F64": np.float64}[e["dtype"]]
        a, b = e["data_offsets"]
        out[name] = torch.tensor(np.frombuffer(data[a:b], dtype=npd).reshape(e["shape"]).copy())
    return out


ACT = {"gelu": F.gelu, "geluTanh": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu}


class GPT(torch.nn.Module):
    def __init__(self, vocab, context, layers, heads, embed, norm, ffn, activation):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, embed)
        self.wpe = torch.nn.Embedding(context, embed)
        self.h = torch.nn.ModuleList([
            torch.nn.TransformerEncoderLayer(embed, heads, dim_feedforward=ffn, dropout=0.0,
                                             activation=ACT[activation], batch_first=True,
                                             norm_first=(norm == "pre"))
            for _ in range(layers)])
        self.ln_f = torch.nn.LayerNorm(embed) if norm == "pre" else None

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        for b in self.h:
            x = b(x, src_mask=mask)
        if self.ln_f is not None:
            x = self.ln_f(x)
        return x @ self.wte.weight.T


model = GPT(cfg["vocab"], m["context"], m["layers"], m["heads"], m["embed"], m.get("norm", "pre"),
            m.get("ffn", 4 * m["embed"]), m.get("activation", "geluTanh"))
state = read_safetensors(os.path.join(d, "init.safetensors"))
missing, unexpected = model.load_state_dict(state, strict=False)
assert not unexpected and not missing, (missing, unexpected)
train = torch.tensor(np.fromfile(os.path.join(d, "train.bin"), dtype=np.int32).astype(np.int64))
val = torch.tensor(np.fromfile(os.path.join(d, "val.bin"), dtype=np.int32).astype(np.int64))
starts = np.fromfile(os.path.join(d, "starts.bin"), dtype=np.int32).reshape(cfg["steps"], cfg["batch"])
T = m["context"]
V = cfg["vocab"]
offsets = torch.arange(T)


def val_loss():
    model.train(False)
    with torch.no_grad():
        n = (len(val) - 1) // T
        total = 0.0
        for first in range(0, n, 64):
            s = torch.arange(first, min(n, first + 64)) * T
            x = val[s[:, None] + offsets]
            y = val[s[:, None] + offsets + 1]
            total += F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1), reduction="sum").item()
    model.train(True)
    return total / (n * T)


opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], betas=(0.9, cfg["b2"]), eps=1e-8,
                        weight_decay=cfg["weightDecay"])
warmup = cfg["warmup"]
sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup) \
    if warmup > 0 else None
v0 = val_loss()
losses = []
for step in range(cfg["steps"]):
    s = torch.tensor(starts[step].astype(np.int64))
    x = train[s[:, None] + offsets]
    y = train[s[:, None] + offsets + 1]
    opt.zero_grad()
    loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
    loss.backward()
    if cfg.get("clipNorm") is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clipNorm"])
    opt.step()
    if sched is not None:
        sched.step()
    losses.append(loss.item())
print(json.dumps({"valLoss0": v0, "valLoss": val_loss(), "trainLoss": losses}))
