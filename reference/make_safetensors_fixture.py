#!/usr/bin/python3
"""Writes the PyTorch safetensors fixture used by src/nn/safetensors.test.ts.

A 4-8-3 tanh MLP (torch.nn.Sequential(Linear(4, 8), Tanh(), Linear(8, 3))) is built with a fixed
seed in float32 and in float64; its state_dict ("0.weight", "0.bias", "2.weight", "2.bias") is
saved as safetensors and five inputs with torch's outputs are stored beside it as JSON.

torch 1.13 (Debian's python3-torch) has no safetensors package, so the file format is written
by hand per the spec (https://github.com/huggingface/safetensors): 8-byte little-endian u64
header length N, N bytes of JSON header {name: {dtype, shape, data_offsets: [begin, end]},
"__metadata__": {...}} padded with spaces to a multiple of 8, then the raw little-endian data,
contiguous, offsets relative to the data section.

Run: /usr/bin/python3 reference/make_safetensors_fixture.py
"""
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "safetensors")
DTYPES = {torch.float32: "F32", torch.float64: "F64"}


def save_safetensors(tensors, path, metadata):
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def main():
    os.makedirs(HERE, exist_ok=True)
    for dtype, tag in ((torch.float32, "f32"), (torch.float64, "f64")):
        torch.manual_seed(16)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).to(dtype)
        x = torch.randn(5, 4, dtype=dtype)
        with torch.no_grad():
            y = model(x)
        save_safetensors(model.state_dict(), os.path.join(HERE, f"mlp-4-8-3-tanh-{tag}.safetensors"),
                         {"source": "reference/make_safetensors_fixture.py", "torch": torch.__version__})
        with open(os.path.join(HERE, f"mlp-4-8-3-tanh-{tag}.json"), "w") as f:
            json.dump({"torch": torch.__version__, "dtype": str(dtype), "seed": 16,
                       "model": "Sequential(Linear(4, 8), Tanh(), Linear(8, 3))",
                       "input": x.tolist(), "output": y.tolist()}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
