"""PyTorch side of bench/gemm-shapes.ts: CPU seconds per call of torch.mm / torch.addmm on the
workload GEMM shapes, float32, one thread, with the operands in the same memory layouts as
gradscope's (transposes as transposed views of contiguous tensors, like F.linear and autograd).

Prints one JSON line: a list of seconds per call (best of 3 rounds). Run by bench/gemm-shapes.ts;
standalone: /usr/bin/python3 bench/gemm_shapes_torch.py shapes.json 40
(shapes.json: [{"transA": false, "transB": true, "m": 1024, "n": 384, "k": 128, "beta": 0}, ...])
"""
import json
import sys
import time

import torch


def timed(fn, ms):
    fn()
    reps = 1
    while True:
        t0 = time.process_time()
        for _ in range(reps):
            fn()
        if time.process_time() - t0 >= ms / 4000:
            break
        reps *= 2
    t1 = time.process_time()
    for _ in range(reps):
        fn()
    reps = max(1, int(reps * (ms / 1000) / max(time.process_time() - t1, 1e-6)) + 1)
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(reps):
            fn()
        best = min(best, (time.process_time() - t0) / reps)
    return best


def main() -> None:
    shapes = json.load(open(sys.argv[1]))
    ms = float(sys.argv[2]) if len(sys.argv) > 2 else 40
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = []
    for s in shapes:
        m, n, k = s["m"], s["n"], s["k"]
        a = torch.randn(k, m).t() if s["transA"] else torch.randn(m, k)
        b = torch.randn(n, k).t() if s["transB"] else torch.randn(k, n)
        c = torch.zeros(m, n)
        if s["beta"]:
            out.append(timed(lambda: c.addmm_(a, b), ms))
        else:
            out.append(timed(lambda: torch.mm(a, b, out=c), ms))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
