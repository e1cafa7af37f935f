#!/usr/bin/python3
"""Writes reference/torch-transformer-reference.json: PyTorch float64 references of the
Transformer ops and layers (issue 19), in the format of torch-ops-reference.json
(see reference/README.md): {name, op, args, inputs[], output, cotangent, grads[]}.

- scaledDotProductAttention: softmax(q k^T * scale + mask) v written out in torch ops (torch 1.13
  has no F.scaled_dot_product_attention); `causal` is top-left aligned like torch 2's is_causal.
- multiHeadAttention: torch.nn.MultiheadAttention(batch_first=True), self-attention,
  need_weights=False; inputs x, in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias.
- rmsNorm: x * rsqrt(mean(x^2) + eps) * weight (torch 1.13 has no nn.RMSNorm; the formula of
  torch 2.4's F.rms_norm).
- transformerBlock: torch.nn.TransformerEncoderLayer(batch_first=True, dropout=0,
  activation='gelu', norm_first=pre/post) with a causal src_mask; inputs: x then the
  parameters named in args.paramNames (torch's names; gradscope's must be the same).
- gpt: a 2-layer pre-LN GPT built from those layers (token + learned positional embeddings,
  final LayerNorm, head tied to the token embedding); args.tokens are the ids; inputs are the
  parameters named in args.paramNames.

Norm weights and biases are drawn at random (not ones/zeros) so that their gradients are tested.
Run: /usr/bin/python3 reference/make_transformer_reference.py  (PyTorch 1.13, float64, seed 0)
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-transformer-reference.json")


def t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1).tolist()]}


def case(name, op, args, inputs, fn, extra=None):
    xs = [x.detach().clone().requires_grad_(True) for x in inputs]
    out = fn(*xs)
    cot = torch.randn_like(out)
    (out * cot).sum().backward()
    c = {
        "name": name,
        "op": op,
        "args": args,
        "inputs": [t(x) for x in xs],
        "output": t(out),
        "cotangent": t(cot),
        "grads": [t(x.grad) if x.grad is not None else None for x in xs],
    }
    if extra:
        c.update(extra)
    return c


def sdpa(q, k, v, causal=False, mask=None, scale=None):
    d = q.shape[-1]
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(d))
    if mask is not None:
        s = s + mask
    if causal:
        tq, tk = s.shape[-2], s.shape[-1]
        keep = torch.ones(tq, tk, dtype=torch.bool).tril()
        s = s.masked_fill(~keep, float("-inf"))
    return torch.softmax(s, -1) @ v


def causal_bool(T):
    # nn.MultiheadAttention / TransformerEncoderLayer: True = not allowed to attend.
    return torch.ones(T, T, dtype=torch.bool).triu(1)


def perturb_norms(module):
    with torch.no_grad():
        for n, p in module.named_parameters():
            if "norm" in n or n.startswith("ln_f"):
                p.copy_(torch.randn_like(p) * 0.3 + (1.0 if n.endswith("weight") else 0.0))


cases = []
cases.append(case("sdpa", "scaledDotProductAttention", {},
                  [torch.randn(2, 2, 4, 3), torch.randn(2, 2, 5, 3), torch.randn(2, 2, 5, 4)],
                  lambda q, k, v: sdpa(q, k, v)))
cases.append(case("sdpa_causal", "scaledDotProductAttention", {"causal": True},
                  [torch.randn(2, 3, 5, 4), torch.randn(2, 3, 5, 4), torch.randn(2, 3, 5, 4)],
                  lambda q, k, v: sdpa(q, k, v, causal=True)))
mask = torch.randn(5, 5)
cases.append(case("sdpa_mask_scale", "scaledDotProductAttention", {"mask": t(mask), "scale": 0.7},
                  [torch.randn(3, 5, 4), torch.randn(3, 5, 4), torch.randn(3, 5, 2)],
                  lambda q, k, v: sdpa(q, k, v, mask=mask, scale=0.7)))

for name, E, H, causal in [("mha_causal", 8, 2, True), ("mha", 12, 4, False)]:
    mha = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        mha.in_proj_bias.copy_(torch.randn_like(mha.in_proj_bias) * 0.1)
        mha.out_proj.bias.copy_(torch.randn_like(mha.out_proj.bias) * 0.1)
    T = 5
    m = causal_bool(T) if causal else None

    def f(x, w, b, wo, bo, mha=mha, m=m):
        y, _ = torch.nn.functional.multi_head_attention_forward(
            x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), mha.embed_dim, mha.num_heads,
            w, b, None, None, False, 0.0, wo, bo, training=True, need_weights=False, attn_mask=m)
        return y.transpose(0, 1)

    # The functional form is what nn.MultiheadAttention(batch_first=True) runs; check they agree.
    x0 = torch.randn(2, T, E)
    y_mod, _ = mha(x0, x0, x0, need_weights=False, attn_mask=m)
    assert torch.allclose(y_mod, f(x0, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight,
                                   mha.out_proj.bias), rtol=1e-12, atol=1e-12)
    cases.append(case(name, "multiHeadAttention", {"heads": H, "causal": causal},
                      [x0, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias],
                      f))

for name, ns, eps in [("rms_norm", [6], 1e-6), ("rms_norm_2d", [3, 4], 1e-5)]:
    x = torch.randn(2, 3, *ns)
    w = torch.randn(*ns)
    dims = tuple(range(-len(ns), 0))
    cases.append(case(name, "rmsNorm", {"normalizedShape": ns, "eps": eps}, [x, w],
                      lambda x, w, dims=dims, eps=eps: x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps) * w))


for norm in ("post", "pre"):
    E, H, T = 8, 2, 5
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=(norm == "pre"))
    layer.train()
    perturb_norms(layer)
    names = [n for n, _ in layer.named_parameters()]
    params = [p for _, p in layer.named_parameters()]
    x0 = torch.randn(2, T, E)
    mask = causal_bool(T)

    def f(x, *ps, layer=layer, names=names, mask=mask):
        return torch.nn.utils.stateless.functional_call(layer, dict(zip(names, ps)), (x,),
                                                        {"src_mask": mask})

    cases.append(case(f"transformer_block_{norm}", "transformerBlock",
                      {"heads": H, "ffn": 16, "norm": norm, "activation": "gelu", "causal": True,
                       "paramNames": names},
                      [x0, *params], f))


class TinyGPT(torch.nn.Module):
    def __init__(self, vocab, context, layers, heads, embed):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, embed)
        self.wpe = torch.nn.Embedding(context, embed)
        self.h = torch.nn.ModuleList([
            torch.nn.TransformerEncoderLayer(embed, heads, dim_feedforward=4 * embed, dropout=0.0,
                                             activation="gelu", batch_first=True, norm_first=True)
            for _ in range(layers)])
        self.ln_f = torch.nn.LayerNorm(embed)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x, src_mask=causal_bool(T))
        return self.ln_f(x) @ self.wte.weight.T


model = TinyGPT(vocab=11, context=8, layers=2, heads=2, embed=8)
model.train()
perturb_norms(model)
names = [n for n, _ in model.named_parameters()]
params = [p for _, p in model.named_parameters()]
tokens = torch.randint(0, 11, (2, 6))


def gpt_f(*ps):
    return torch.nn.utils.stateless.functional_call(model, dict(zip(names, ps)), (tokens,))


cases.append(case("gpt_tiny", "gpt",
                  {"vocab": 11, "context": 8, "layers": 2, "heads": 2, "embed": 8, "norm": "pre",
                   "tieWeights": True, "activation": "gelu", "tokens": tokens.tolist(), "paramNames": names},
                  params, gpt_f))

doc = {
    "generator": f"reference/make_transformer_reference.py, PyTorch {torch.__version__}, float64, seed 0",
    "note": "Transformer ops and layers (issue 19); format of torch-ops-reference.json",
    "cases": cases,
}
tmp = OUT + ".tmp"
with open(tmp, "w") as fh:
    json.dump(doc, fh)
os.replace(tmp, OUT)
print(f"wrote {OUT}: {len(cases)} cases")
