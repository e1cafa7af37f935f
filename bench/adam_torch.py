"""PyTorch side of bench/adam.ts: ns per parameter per Adam step (foreach, one thread, float32).

Prints one JSON line. Run by bench/adam.ts in the same run; standalone:
    /usr/bin/python3 bench/adam_torch.py --params 1000000 --steps 100
"""
import argparse
import json
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=1_000_000)
    ap.add_argument("--tensors", type=int, default=4)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    per = args.params // args.tensors
    sizes = [per] * (args.tensors - 1) + [args.params - per * (args.tensors - 1)]
    params = [torch.randn(n, dtype=torch.float32, requires_grad=True) for n in sizes]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-2
    results = {}
    for foreach in (True, False):
        opt = torch.optim.Adam(params, lr=1e-3, foreach=foreach)
        for _ in range(args.warmup):
            opt.step()
        best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(args.steps):
                opt.step()
            best = min(best, time.perf_counter() - t0)
        results["foreach" if foreach else "single_tensor"] = best / args.steps / args.params * 1e9
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": args.params,
        "steps": args.steps,
        "nsPerParamForeach": results["foreach"],
        "nsPerParamSingleTensor": results["single_tensor"],
    }))


if __name__ == "__main__":
    main()
