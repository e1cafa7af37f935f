"""PyTorch side of `npm run bench` (bench/run.ts): the W1-W6 training workloads (W1m: W1 with
per-layer gradient statistics from hooks, see HookMonitor) and float32 GEMM.

Run by bench/run.ts with /usr/bin/python3 (Debian python3-torch), OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset, one process per (workload, thread count). Reads the bundle that
bench/workloads/bundle.ts wrote (same initial weights and batches as every other system) and follows
the protocol of bench/workloads/protocol.ts: a warm-up trajectory from the initial weights (loss read
every step), then timed repetitions from the initial weights with a fresh optimizer; a time budget
cuts the steps per repetition of a slow system. Prints one line `BENCH_RESULT {json}`.

    /usr/bin/python3 bench/torch_workloads.py --workload W1 --data DIR --reps 3 --steps 200 \
        --budget 45 --threads 1
    /usr/bin/python3 bench/torch_workloads.py --gemm 128,256,512,1024 --threads 1
    /usr/bin/python3 bench/torch_workloads.py --probe    # version and the BLAS library it maps

`--hooked` attaches gradscope's PyTorch hook (python/gradscope_torch.py, default sampling) to the
model and calls `monitor.step(loss, lr)` between `backward()` and `opt.step()` on every step
(records to a temporary directory), to measure the hook's overhead against the plain run.
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import time

RESULT_PREFIX = "BENCH_RESULT "
PROGRESS_PREFIX = "BENCH_PROGRESS "


def emit(obj):
    sys.stdout.write("\n" + RESULT_PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


def blas_libraries():
    """The BLAS/LAPACK shared objects this process has mapped (reference BLAS is 20x slower)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "blas" in path or "lapack" in path:
                    libs.add(path)
    except OSError:
        pass
    return sorted(libs)


def load_bundle(data_dir, wid):
    import numpy as np

    with open(os.path.join(data_dir, wid + ".json")) as f:
        manifest = json.load(f)
    with open(os.path.join(data_dir, wid + ".bin"), "rb") as f:
        raw = f.read()
    sha = hashlib.sha256(raw).hexdigest()
    if sha != manifest["sha256"]:
        raise RuntimeError(f"{wid}.bin: SHA-256 {sha} differs from the manifest's {manifest['sha256']}")
    tensors = {}
    for e in manifest["entries"]:
        dtype = np.float32 if e["dtype"] == "float32" else np.int32
        count = 1
        for d in e["shape"]:
            count *= d
        tensors[e["name"]] = np.frombuffer(raw, dtype=dtype, count=count, offset=e["offset"]).reshape(
            e["shape"]
        )
    return manifest, tensors


def build_model(spec):
    import torch.nn as nn

    m = spec["model"]
    if m["kind"] == "mlp":
        sizes = m["sizes"]
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU() if m["activation"] == "relu" else nn.Tanh())
        return nn.Sequential(*layers)
    if m["kind"] == "gpt":
        import torch
        import torch.nn.functional as F

        class GPT(nn.Module):
            """gradscope's nn.gpt: pre-LN TransformerEncoderLayer blocks, tanh-GELU, tied head."""

            def __init__(self):
                super().__init__()
                E = m["embed"]
                self.wte = nn.Embedding(m["vocab"], E)
                self.wpe = nn.Embedding(m["context"], E)
                self.h = nn.ModuleList([
                    nn.TransformerEncoderLayer(E, m["heads"], 4 * E, 0.0,
                                               activation=lambda x: F.gelu(x, approximate="tanh"),
                                               batch_first=True, norm_first=True)
                    for _ in range(m["layers"])])
                self.ln_f = nn.LayerNorm(E)

            def forward(self, idx):
                T = idx.shape[1]
                x = self.wte(idx) + self.wpe(torch.arange(T))
                mask = torch.ones(T, T, dtype=torch.bool).triu(1)
                for b in self.h:
                    x = b(x, src_mask=mask)
                return (self.ln_f(x) @ self.wte.weight.T).reshape(-1, m["vocab"])

        return GPT()
    if m["kind"] == "rnn":

        lstm = m.get("cell") == "lstm"  # W6: nn.LSTM (gates i, f, g, o); W3: tanh nn.RNN

        class RnnClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                if lstm:
                    self.rnn = nn.LSTM(m["inputSize"], m["hiddenSize"])
                else:
                    self.rnn = nn.RNN(m["inputSize"], m["hiddenSize"], nonlinearity="tanh")
                self.fc = nn.Linear(m["hiddenSize"], m["classes"])

            def forward(self, x):
                _, h = self.rnn(x)  # x [T, B, I]; h [1, B, H] (LSTM: (h, c))
                return self.fc((h[0] if lstm else h)[-1])

        return RnnClassifier()
    c1, c2 = m["channels"]
    k, pad, pool = m["kernel"], m["padding"], m["pool"]
    flat = c2 * (m["image"] // pool // pool) ** 2
    return nn.Sequential(
        nn.Conv2d(1, c1, k, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(pool),
        nn.Conv2d(c1, c2, k, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(pool),
        nn.Flatten(),
        nn.Linear(flat, m["classes"]),
    )


class HookMonitor:
    """W1m's PyTorch side: what gradscope's gradientHealth() measures, with gradient hooks.

    A `register_hook` on every parameter computes its Σg² and NaN/±Inf count as the gradient
    arrives; `step()` (between backward and the clip) gathers them per parameter and per layer
    (‖g‖, rms, layer norms, total norm, first/last-layer ratio) and reads them to the host, as the
    monitor's detectors do on every step. Every 10th step it also reads ‖p‖ per parameter and
    layer and the update ratio ‖Δp‖/‖p_before‖ of the step before (a copy of the parameters taken
    on the step before it), gradientHealth's default `paramEvery`. Then clip_grad_norm_(1).
    """

    def __init__(self, model, torch, every=10):
        self.torch = torch
        self.every = every
        self.params = [p for _, p in model.named_parameters()]
        names = [n.rsplit(".", 1)[0] for n, _ in model.named_parameters()]
        layers = list(dict.fromkeys(names))
        self.layer = torch.tensor([layers.index(n) for n in names])
        self.layers = len(layers)
        self.numel = torch.tensor([float(p.numel()) for p in self.params], dtype=torch.float64)
        self.g2 = [None] * len(self.params)
        self.bad = [None] * len(self.params)
        for k, p in enumerate(self.params):
            p.register_hook(self._hook(k))
        self.reset()

    def _hook(self, k):
        torch = self.torch

        def hook(g):
            self.g2[k] = torch.linalg.vector_norm(g, dtype=torch.float64).square()
            self.bad[k] = (~torch.isfinite(g)).sum()

        return hook

    def reset(self):
        self.i = 0
        self.snapshot = None
        self.snapshot_step = -1
        self.history = []

    def step(self):
        torch = self.torch
        with torch.no_grad():
            g2 = torch.stack(self.g2)
            bad = torch.stack(self.bad)
            layer_g2 = torch.zeros(self.layers, dtype=torch.float64).index_add_(0, self.layer, g2)
            out = [g2.sqrt(), (g2 / self.numel).sqrt(), layer_g2.sqrt(), bad.double()]
            if self.i % self.every == 0:
                p2 = torch.stack([p.square().sum(dtype=torch.float64) for p in self.params])
                out += [p2.sqrt(), torch.zeros(self.layers, dtype=torch.float64).index_add_(0, self.layer, p2).sqrt()]
                if self.snapshot is not None and self.snapshot_step == self.i - 1:
                    u2 = torch.stack([(p - q).square().sum(dtype=torch.float64) for p, q in zip(self.params, self.snapshot)])
                    b2 = torch.stack([q.square().sum(dtype=torch.float64) for q in self.snapshot])
                    lu = torch.zeros(self.layers, dtype=torch.float64).index_add_(0, self.layer, u2)
                    lb = torch.zeros(self.layers, dtype=torch.float64).index_add_(0, self.layer, b2)
                    out += [(u2 / b2).sqrt(), (lu / lb).sqrt()]
            if (self.i + 1) % self.every == 0:
                if self.snapshot is None:
                    self.snapshot = [p.detach().clone() for p in self.params]
                else:
                    for q, p in zip(self.snapshot, self.params):
                        q.copy_(p)
                self.snapshot_step = self.i
            v = torch.cat(out).tolist()  # to the host, as the detectors read them
            L = self.layers
            P = len(self.params)
            layer = v[2 * P : 2 * P + L]
            total = sum(x * x for x in layer) ** 0.5
            self.history.append((total, layer[0] / layer[-1], sum(v[2 * P + L : 3 * P + L])))
        self.i += 1


def run_workload(args):
    import torch
    import torch.nn.functional as F

    manifest, tensors = load_bundle(args.data, args.workload)
    spec = manifest["spec"]
    model = build_model(spec)
    init = {p["name"]: torch.from_numpy(tensors[p["name"]].copy()) for p in spec["params"]}
    model.load_state_dict(init, strict=True)
    nb = spec["distinctBatches"]
    x_all = torch.from_numpy(tensors["x"].copy())
    y_all = torch.from_numpy(tensors["y"].astype("int64"))
    if spec["model"]["kind"] == "gpt":
        x_all = x_all.long()  # token ids stored as float32 integers
    xs = [x_all[k] for k in range(nb)]
    ys = [y_all[k] for k in range(nb)]
    o = spec["optimizer"]
    clip = spec["clipNorm"]

    def make_opt():
        if o["kind"] == "adam":
            return torch.optim.Adam(model.parameters(), lr=o["lr"], betas=(o["b1"], o["b2"]), eps=o["eps"])
        return torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o["momentum"])

    state = {"opt": make_opt(), "monitor": None, "runs": 0}
    hooks = HookMonitor(model, torch) if spec.get("monitor") else None  # W1m
    if args.hooked:
        import tempfile

        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
        from gradscope_torch import GradScope

        records = tempfile.TemporaryDirectory(prefix="gs-torch-hook-")  # removed at exit

    def attach_monitor():
        if not args.hooked:
            return
        if state["monitor"] is not None:
            state["monitor"].close()
        state["runs"] += 1
        state["monitor"] = GradScope(model, out=os.path.join(records.name, str(state["runs"])))

    def reset():
        model.load_state_dict(init, strict=True)
        state["opt"] = make_opt()
        attach_monitor()
        if hooks is not None:
            hooks.reset()

    def step(i):
        k = i % nb
        opt = state["opt"]
        opt.zero_grad()
        loss = F.cross_entropy(model(xs[k]), ys[k])
        loss.backward()
        if state["monitor"] is not None:
            state["monitor"].step(loss=loss, lr=opt.param_groups[0]["lr"])
        if hooks is not None:
            hooks.step()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        return loss.item()

    budget = args.budget
    notes = []
    reset()
    losses = []
    t0 = time.perf_counter()
    t1 = t0
    for i in range(args.steps):
        loss = step(i)
        losses.append(loss)
        now = time.perf_counter()
        if i == 0:
            t1 = now
        sys.stdout.write("\n" + PROGRESS_PREFIX + json.dumps({"step": i + 1, "loss": loss, "ms": (now - t0) * 1000}) + "\n")
        sys.stdout.flush()
        if not args.full_trajectory and now - t0 > 0.4 * budget and i + 1 < args.steps:
            notes.append(f"warm-up trajectory stopped after {i + 1} of {args.steps} steps (time budget)")
            break
    warmup = time.perf_counter() - t0
    per_step = (time.perf_counter() - t1) / (len(losses) - 1) if len(losses) > 1 else warmup
    steps_timed = args.steps
    reps = args.reps
    if per_step * args.steps * reps > 0.6 * budget:
        steps_timed = max(1, min(args.steps, int((0.6 * budget) / (reps * per_step))))
        notes.append(f"timed {steps_timed} of {args.steps} steps per repetition (time budget)")
    if per_step * steps_timed * reps > 0.6 * budget:
        reps = max(1, int((0.6 * budget) / per_step))
        notes.append(f"only {reps} timed repetitions: one step takes {per_step:.1f} s (time budget)")
    rep_seconds = []
    rep_cpu = []  # process CPU seconds of each repetition (all threads), for loaded machines
    for _ in range(reps):
        reset()
        s0 = time.perf_counter()
        c0 = time.process_time()
        for i in range(steps_timed):
            step(i)
        rep_seconds.append(time.perf_counter() - s0)
        rep_cpu.append(time.process_time() - c0)
    srt = sorted(rep_seconds)
    n = len(srt)
    med = srt[n // 2] if n % 2 == 1 else (srt[n // 2 - 1] + srt[n // 2]) / 2
    sps = steps_timed / med
    blas = blas_libraries()
    if not any("openblas" in b or "mkl" in b or "blis" in b for b in blas):
        notes.append(
            "no optimized BLAS mapped (" + (", ".join(blas) or "none") + "): "
            "apt-get install libopenblas0-openmp"
        )
    emit(
        {
            "ok": True,
            "system": "torch+gradscope-hook" if args.hooked else "torch",
            "workload": args.workload,
            "version": f"PyTorch {torch.__version__} ({torch.get_num_threads()} thread"
            + ("s" if torch.get_num_threads() > 1 else "")
            + ", BLAS "
            + (", ".join(os.path.relpath(b, "/usr/lib/x86_64-linux-gnu") for b in blas) or "?")
            + ")",
            "threads": torch.get_num_threads(),
            "dataSha256": manifest["sha256"],
            "stepsTimed": steps_timed,
            "repSeconds": rep_seconds,
            "repCpuSeconds": rep_cpu,
            "stepsPerSec": sps,
            "samplesPerSec": sps * spec["batch"],
            "losses": losses,
            "warmupSec": warmup,
            "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "notes": notes,
        }
    )


def run_gemm(args):
    import torch

    sizes = [int(s) for s in args.gemm.split(",")]
    rows = []
    g = torch.Generator().manual_seed(0)
    for n in sizes:
        a = torch.randn(n, n, generator=g)
        b = torch.randn(n, n, generator=g)
        c = torch.empty(n, n)
        reps = 31 if n <= 128 else 15 if n <= 256 else 7 if n <= 512 else 5
        for _ in range(2):
            torch.mm(a, b, out=c)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            torch.mm(a, b, out=c)
            times.append(time.perf_counter() - t0)
        times.sort()
        rows.append({"n": n, "gflops": 2 * n**3 / times[len(times) // 2] / 1e9})
    emit(
        {
            "ok": True,
            "system": "torch",
            "version": f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)",
            "threads": torch.get_num_threads(),
            "blas": blas_libraries(),
            "gemm": rows,
        }
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload")
    ap.add_argument("--data")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--budget", type=float, default=45.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--full-trajectory", action="store_true")
    ap.add_argument("--gemm")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--hooked", action="store_true", help="attach gradscope's PyTorch hook (python/)")
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        emit({"ok": False, "system": "torch", "workload": args.workload, "threads": args.threads,
              "error": f"import torch failed ({e}): apt-get install python3-torch libopenblas0-openmp"})
        return
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    if args.probe:
        a = torch.randn(64, 64)
        torch.mm(a, a)  # maps the BLAS library
        blas = blas_libraries()
        emit({"ok": True, "system": "torch", "version": torch.__version__, "blas": blas,
              "optimizedBlas": any("openblas" in b or "mkl" in b or "blis" in b for b in blas)})
        return
    try:
        if args.gemm:
            run_gemm(args)
        else:
            run_workload(args)
    except Exception as e:  # reported to the harness, which prints it in the table
        import traceback

        traceback.print_exc()
        emit({"ok": False, "system": "torch", "workload": args.workload, "threads": args.threads,
              "error": f"{type(e).__name__}: {e}".splitlines()[0]})


if __name__ == "__main__":
    main()
