"""Overhead of the GradScope hook on a PyTorch training step, A/B interleaved.

W1 of `npm run bench` (bench/workloads/spec.ts): MLP 784-256-256-10 (ReLU), batch 128, Adam
lr 1e-3, cross-entropy, 1 thread. Alternates blocks of `--block` steps without and with the hook
(a fresh GradScope per hooked block, default sampling unless overridden), so both arms see the
same machine load, and prints the median over the block pairs of the per-step CPU time
(process_time) and wall time of each arm and their ratio, and the ratio of each arm's fastest
block, and the CPU time spent inside the hook's own code (its forward hooks and ``step``) over the
plain step's. The machine may be shared: CPU time is the steadier figure; the median of many short pairs
and the fastest blocks are robust to bursts.

    /usr/bin/python3 python/tests/overhead.py --pairs 20 --block 50
    /usr/bin/python3 bench/torch_workloads.py --workload W1 --data DIR --hooked   # the bench's own timing
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gradscope_torch import GradScope  # noqa: E402

_inside = [0.0]  # CPU seconds spent in the hook's code (forward hooks and step)


class TimedGradScope(GradScope):
    """GradScope that adds the CPU time of its forward hooks and of step() to _inside."""

    @staticmethod
    def _observe(p, d):
        t = time.process_time()
        GradScope._observe(p, d)
        _inside[0] += time.process_time() - t

    def step(self, loss=None, lr=None):
        t = time.process_time()
        super().step(loss=loss, lr=lr)
        _inside[0] += time.process_time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--block", type=int, default=50)
    ap.add_argument("--params-every", type=int, default=10)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--probe-every", type=int, default=4)
    ap.add_argument("--no-probes", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    xs = [torch.rand(128, 784, generator=g) for _ in range(8)]
    ys = [torch.randint(0, 10, (128,), generator=g) for _ in range(8)]
    records = tempfile.TemporaryDirectory(prefix="gs-hook-overhead-")

    def block(monitor, start):
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(start, start + args.block):
            opt.zero_grad()
            loss = F.cross_entropy(model(xs[i % 8]), ys[i % 8])
            loss.backward()
            if monitor is not None:
                monitor.step(loss=loss, lr=1e-3)
            opt.step()
            loss.item()
        return (time.process_time() - c0) / args.block, (time.perf_counter() - w0) / args.block

    block(None, 0)  # warm-up
    plain_cpu, plain_wall, hook_cpu, hook_wall, ratio_cpu, ratio_wall, inside = [], [], [], [], [], [], []
    step = 0
    for k in range(args.pairs):
        monitor = TimedGradScope(model, out=os.path.join(records.name, str(k)), every=args.every,
                            params_every=args.params_every, probe_every=args.probe_every,
                            probes=not args.no_probes)
        arms = [(None, "plain"), (monitor, "hooked")]
        if k % 2 == 1:
            arms.reverse()
        got = {}
        for m, name in arms:
            _inside[0] = 0.0
            got[name] = block(m, step)
            if m is not None:
                inside.append(_inside[0] / args.block)
            step += args.block
        monitor.close()
        plain_cpu.append(got["plain"][0])
        plain_wall.append(got["plain"][1])
        hook_cpu.append(got["hooked"][0])
        hook_wall.append(got["hooked"][1])
        ratio_cpu.append(got["hooked"][0] / got["plain"][0])
        ratio_wall.append(got["hooked"][1] / got["plain"][1])
    med = statistics.median
    print(json.dumps({
        "pairs": args.pairs, "block": args.block, "every": args.every, "paramsEvery": args.params_every, "probeEvery": args.probe_every,
        "probes": not args.no_probes,
        "plainMsCpu": round(med(plain_cpu) * 1e3, 3), "hookedMsCpu": round(med(hook_cpu) * 1e3, 3),
        "overheadCpu": round(med(ratio_cpu) - 1, 4),
        "plainMsWall": round(med(plain_wall) * 1e3, 3), "hookedMsWall": round(med(hook_wall) * 1e3, 3),
        "overheadWall": round(med(ratio_wall) - 1, 4),
        # CPU time inside the hook's own code per step, over the plain step's (direct; no cache
        # effects on the rest of the step, but far less noisy than the A/B difference)
        "insideMsCpu": round(med(inside) * 1e3, 3),
        "overheadInside": round(med(inside) / med(plain_cpu), 4),
        # the fastest block of each arm: the least disturbed by other processes
        "plainMsCpuMin": round(min(plain_cpu) * 1e3, 3), "hookedMsCpuMin": round(min(hook_cpu) * 1e3, 3),
        "overheadCpuMin": round(min(hook_cpu) / min(plain_cpu) - 1, 4),
    }))


if __name__ == "__main__":
    main()
