"""gradscope's gradient-health records for PyTorch training loops.

``GradScope(model, out=run_dir)`` measures, at every checked step, the statistics gradscope's
own monitor measures (src/monitor/stats.ts, activation-probe.ts) and appends them to
``run_dir/monitor.jsonl`` in gradscope's monitor record format (``"gradscope.monitor"``
version 1: a header line, then one ``stats`` line per check; see src/monitor/records.ts).
``gradscope diagnose run_dir`` (or ``monitor.replay`` in TypeScript) runs gradscope's detectors
over the file and prints the verdicts (vanishing, exploding, nonFinite, saturated, deadUnits,
plateau, oscillation) with evidence and remedies. The hook itself raises no verdicts.

Usage::

    monitor = GradScope(model, out="runs/mnist")
    for x, y in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        monitor.step(loss=loss, lr=opt.param_groups[0]["lr"])  # after backward, before opt.step
        opt.step()

or ``opt = monitor.wrap(opt)`` (then ``monitor.watch(loss)`` before ``opt.step()`` records the
loss; the lr is read from the optimizer's first parameter group).

What is measured, as gradscope's monitor measures it (same schedule, same formulas):

- every ``every``-th step (default 1) a check: per parameter ‖g‖₂, rms = ‖g‖/√n, max |g| (over
  the finite entries), the fraction of entries exactly 0 and the NaN/±Inf count; per layer and
  in total ‖g‖₂; on steps between checks, a NaN/±Inf gradient or loss forces a check;
- every ``param_every``-th check (default 10, gradscope's ``paramEvery``) also ‖p‖₂ and the
  update ratio ‖Δp‖/‖p_before‖ of the step before (from a copy of the parameters taken one step
  earlier); between those checks the last ‖p‖ is reported again, as gradscope does;
- forward hooks on every ``nn.ReLU``, ``nn.Tanh`` and ``nn.Sigmoid`` module (training mode, on
  the forward passes of checked steps): mean and std of the outputs, saturation (tanh
  |a| > 0.99; sigmoid a < 0.01 or a > 0.99), gain (tanh mean(1 − a²); sigmoid mean(4a(1 − a)))
  and, for ReLU, the fraction of units (last axis) that output 0 on every row of every batch of
  ``dead_window`` consecutive checks (default 20, gradscope's ``deadWindow``).

Layers are named as gradscope names them: a parameter ``"0.weight"`` belongs to layer ``"0"``
(the name without its last dotted segment); a stacked recurrent parameter
``"rnn.weight_hh_l1"`` to layer ``"rnn.l1"``. Layers are ordered as ``model.named_parameters()``
lists them (registration order, which is input → output for ``nn.Sequential`` and most models).
An activation module is credited to the last parameter layer before it in
``model.named_modules()`` order.

Each record is one ``os.write`` of one line on a file opened with ``O_APPEND``, so a crash leaves
at most the last line incomplete and readers can follow the file while it grows.
"""

import json
import math
import os
import re

import torch

__all__ = ["GradScope", "layer_of", "FORMAT", "VERSION"]
__version__ = "0.1.0"

FORMAT = "gradscope.monitor"
VERSION = 1
FRAMEWORK = "pytorch"

# gradscope's detectors that are off unless switched on (src/monitor/detectors/*: `optIn`); the
# header says so, so that a replay runs the same detectors as a live gradscope monitor.
_OPT_IN_DETECTORS = ("lossSpike",)

_STACK_SUFFIX = re.compile(r"^(.*)_l(\d+)$")


def layer_of(param_name):
    """The layer a parameter belongs to (src/monitor/layers.ts ``layerOf``).

    The name without its last dotted segment, with a recurrent stack level ``_l{k}`` kept as
    ``.l{k}``; a name without a dot is its own layer::

        layer_of("0.weight") == "0"; layer_of("rnn.weight_hh_l1") == "rnn.l1"; layer_of("w") == "w"
    """
    dot = param_name.rfind(".")
    if dot < 0:
        return param_name
    prefix, leaf = param_name[:dot], param_name[dot + 1 :]
    m = _STACK_SUFFIX.match(leaf)
    return f"{prefix}.l{m.group(2)}" if m else prefix


def _module_of(param_name):
    dot = param_name.rfind(".")
    return "" if dot < 0 else param_name[:dot]


def _num(x):
    """A number for a record: finite as it is, NaN/±Infinity as "NaN"/"Infinity"/"-Infinity"."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _default_classify(module, name):
    if isinstance(module, torch.nn.ReLU):
        return "relu"
    if isinstance(module, torch.nn.Tanh):
        return "tanh"
    if isinstance(module, torch.nn.Sigmoid):
        return "sigmoid"
    return None


def _check_int(what, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"GradScope: {what} = {value!r} is invalid; expected an integer >= {minimum}")
    return value


class _Probe:
    """One activation module's output statistics (src/monitor/activation-probe.ts)."""

    __slots__ = ("module", "kind", "layer", "parts", "alive", "runs", "observed", "width",
                 "last_width", "mean", "std", "saturation", "gain", "dead_fraction")

    def __init__(self, module, kind, layer):
        self.module = module
        self.kind = kind
        self.layer = layer
        self.parts = []  # per forward pass: tensor [sum, sum of squares, saturated, count]
        self.alive = None  # bool tensor [width]: unit nonzero on some row (ReLU)
        self.runs = []  # per unit: consecutive checks with output 0 on every row (ReLU)
        self.observed = False
        self.width = 0
        self.last_width = 0  # last axis of the last output seen
        self.mean = math.nan
        self.std = math.nan
        self.saturation = math.nan
        self.gain = math.nan
        self.dead_fraction = math.nan

    def record(self):
        return {
            "module": self.module,
            "kind": self.kind,
            "layer": self.layer,
            "observed": self.observed,
            "width": self.width,
            "mean": _num(self.mean),
            "std": _num(self.std),
            "saturation": _num(self.saturation),
            "gain": _num(self.gain),
            "deadFraction": _num(self.dead_fraction),
        }


class GradScope:
    """Writes gradscope monitor records for a PyTorch model (see the module docstring).

    Args:
        model: the ``torch.nn.Module`` being trained (its parameters with ``requires_grad`` are
            measured, in ``named_parameters()`` order; its ReLU/Tanh/Sigmoid modules are probed).
        out: the run directory (created if needed); records go to ``out/monitor.jsonl``.
        every: check every k-th step (default 1). gradscope's detectors count their patience in
            checks, so ``every`` > 1 delays verdicts by that factor.
        param_every: read the parameters (‖p‖, update ratio) every k-th check (default 10).
        update_ratio: measure ‖Δp‖/‖p_before‖ (keeps one copy of the parameters; default True).
        probes: hook the activation modules (default True).
        dead_window: checks a ReLU unit must be 0 on every row to count as dead (default 20).
        lr: the learning rate (a number or a function returning it), when ``step`` is not given one.
        thresholds: overrides of gradscope's detector thresholds, written to the header so that the
            replay uses them (e.g. ``{"vanishingPatience": 5}``).
        detectors: detectors to switch on or off in the replay, e.g. ``{"plateau": False}``.
        classify: ``f(module, name) -> "relu" | "tanh" | "sigmoid" | None`` (default: the nn
            modules ReLU, Tanh, Sigmoid).
        file: file name in ``out`` (default ``monitor.jsonl``).
    """

    def __init__(self, model, out, *, every=1, param_every=10, update_ratio=True, probes=True,
                 dead_window=20, lr=None, thresholds=None, detectors=None, classify=None,
                 file="monitor.jsonl"):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"GradScope: model = {type(model).__name__} is not a torch.nn.Module")
        if not isinstance(out, (str, os.PathLike)) or str(out) == "":
            raise ValueError(f"GradScope: out = {out!r} is not a non-empty path")
        if not isinstance(file, str) or file == "" or "/" in file or "\\" in file:
            raise ValueError(f"GradScope: file = {file!r} must be a plain file name")
        self.every = _check_int("every", every, 1)
        self.param_every = _check_int("param_every", param_every, 1)
        self.dead_window = _check_int("dead_window", dead_window, 1)
        if lr is not None and not callable(lr):
            self._check_lr(lr)
        self._lr_source = lr
        self._thresholds = dict(thresholds or {})
        self._thresholds["deadWindow"] = self.dead_window
        self._detectors = {k: False for k in _OPT_IN_DETECTORS}
        for k, v in (detectors or {}).items():
            if not isinstance(v, bool):
                raise ValueError(f"GradScope: detectors[{k!r}] = {v!r} is not a bool")
            self._detectors[k] = v
        self._track_updates = bool(update_ratio)
        # parameters are read on updates i ≡ 0 (mod K) (i = step − 1), the copy for their update
        # taken on the update before (gradient-health.ts)
        self._K = self.every * self.param_every

        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError("GradScope: model has no parameters that require gradients")
        self.model = model
        self.param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._numel = [p.numel() for p in self._params]
        self.layers = []
        layer_modules = []
        self._param_layer = []
        index = {}
        for n in self.param_names:
            layer = layer_of(n)
            if layer not in index:
                index[layer] = len(self.layers)
                self.layers.append(layer)
                layer_modules.append(_module_of(n))
            self._param_layer.append(index[layer])

        P, L = len(self._params), len(self.layers)
        nan = math.nan
        self._g2 = [0.0] * P
        self._p2 = [0.0] * P
        self._max = [0.0] * P
        self._zero = [0.0] * P
        self._bad = [0] * P
        self._ratio = [nan] * P
        self._layer_g = [0.0] * L
        self._layer_p = [0.0] * L
        self._layer_ratio = [nan] * L
        self._total_g = 0.0
        self._total_p = 0.0
        self._total_ratio = nan
        self._total_upd = nan
        self._total_before = nan
        self._update_fresh = False
        self._update_grad_norm = nan
        self._snapshot = [torch.empty_like(p, memory_format=torch.contiguous_format).detach()
                          for p in self._params] if self._track_updates else None
        self._snapshot_step = -1
        self._snapshot_grad_norm = nan
        self._step = 0
        self._checks = 0
        self._pending_loss = None

        self._probes = []
        self._handles = []
        self._armed = True
        if probes:
            self._attach(model, layer_modules, classify or _default_classify)

        os.makedirs(out, exist_ok=True)
        self.path = os.path.join(os.fspath(out), file)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size > 0:
            os.close(self._fd)
            self._fd = None
            raise ValueError(f"GradScope: {self.path} already holds records; use a new run directory")
        self._write(self._header())

    # -- setup -----------------------------------------------------------------------------

    def _attach(self, model, layer_modules, classify):
        modules = list(model.named_modules())
        order = {name: i for i, (name, _) in enumerate(modules)}
        for name, m in modules:
            kind = classify(m, name)
            if kind is None:
                continue
            if kind not in ("relu", "tanh", "sigmoid"):
                raise ValueError(f"GradScope: classify returned {kind!r} for module {name!r}; "
                                 "expected 'relu', 'tanh', 'sigmoid' or None")
            at = order[name]
            layer, best = "", -1
            for li, lm in enumerate(layer_modules):
                pos = order.get(lm)
                if pos is not None and pos < at and pos >= best:
                    best, layer = pos, self.layers[li]
            probe = _Probe(name, kind, layer)
            self._probes.append(probe)
            self._handles.append(m.register_forward_hook(self._hook_for(probe)))

    def _hook_for(self, probe):
        def hook(module, _inputs, output):
            if not self._armed or not module.training or not isinstance(output, torch.Tensor):
                return
            with torch.no_grad():
                self._observe(probe, output.detach())
        return hook

    def _observe(self, p, d):
        n = d.numel()
        w = 1 if d.dim() == 0 else d.shape[-1]
        flat = d.reshape(-1)
        p.last_width = w
        s = flat.sum()
        sq = torch.dot(flat, flat)
        if p.kind == "relu":
            rows = (flat != 0).view(-1, w).any(0) if n > 0 else torch.zeros(w, dtype=torch.bool)
            if p.alive is None or p.alive.numel() != w:
                p.alive = rows
            else:
                p.alive |= rows
            sat = torch.zeros((), dtype=d.dtype, device=d.device)
        elif p.kind == "tanh":
            sat = torch.count_nonzero(flat.abs() > 0.99)
        else:
            sat = torch.count_nonzero(flat < 0.01) + torch.count_nonzero(flat > 0.99)
        p.parts.append(torch.stack([s.double(), sq.double(), sat.double()]))
        p.parts.append(n)

    def _header(self):
        return {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "framework": FRAMEWORK,
            "params": [
                {"name": n, "shape": list(p.shape),
                 "dtype": "float64" if p.dtype == torch.float64 else "float32"}
                for n, p in zip(self.param_names, self._params)
            ],
            "layers": list(self.layers),
            "every": self.every,
            "thresholds": dict(self._thresholds),
            "detectors": dict(self._detectors),
            "emitResolved": False,
        }

    # -- the step ----------------------------------------------------------------------------

    def step(self, loss=None, lr=None):
        """Measures this step (call it after ``loss.backward()``, before ``optimizer.step()``).

        ``loss``: the step's loss (a number or a tensor), ``lr``: the learning rate of the step.
        """
        if self._fd is None:
            raise ValueError(f"GradScope.step: {self.path} is closed")
        if loss is None:
            loss, self._pending_loss = self._pending_loss, None
        loss_v = math.nan if loss is None else float(loss.detach() if torch.is_tensor(loss) else loss)
        i = self._step
        self._step = i + 1
        do_check = i % self.every == 0
        with torch.no_grad():
            if not do_check and (
                (loss is not None and not math.isfinite(loss_v)) or self._quick_non_finite()
            ):
                do_check = True
            if do_check:
                self._check(loss, loss_v, lr)
            elif self._track_updates and (i + 1) % self._K == 0:
                for q, p in zip(self._snapshot, self._params):
                    q.copy_(p)
                self._snapshot_step = i + 1
                self._snapshot_grad_norm = math.nan
        self._armed = (i + 1) % self.every == 0

    def watch(self, loss):
        """Gives the loss of the current step to the next ``step()`` (for a wrapped optimizer)."""
        self._pending_loss = loss

    def wrap(self, optimizer):
        """Makes ``optimizer.step()`` call ``self.step()`` first (lr from its first group).

        Returns the optimizer. Give the loss with ``monitor.watch(loss)`` before ``step()``.
        """
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"GradScope.wrap: optimizer = {type(optimizer).__name__} is not a torch.optim.Optimizer")
        inner = optimizer.step
        monitor = self

        def step(*args, **kwargs):
            monitor.step(lr=optimizer.param_groups[0].get("lr"))
            return inner(*args, **kwargs)

        optimizer.step = step
        return optimizer

    def _quick_non_finite(self):
        norms = [torch.linalg.vector_norm(p.grad) for p in self._params if p.grad is not None]
        if not norms:
            return False
        if bool(torch.isfinite(torch.stack(norms)).all()):
            return False
        # a float32 norm can overflow without a NaN/Inf entry: count the entries
        return any(int((~torch.isfinite(p.grad)).sum()) > 0 for p in self._params if p.grad is not None)

    def _read_lr(self, lr):
        v = lr if lr is not None else (self._lr_source() if callable(self._lr_source) else self._lr_source)
        if torch.is_tensor(v):
            v = float(v)
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else math.nan

    @staticmethod
    def _check_lr(lr):
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"GradScope: lr = {lr!r} is invalid; expected a number > 0 or a function")

    def _check(self, loss, loss_v, lr):
        step = self._step
        i = step - 1
        K = self._K
        read_params = i % K == 0 or self._checks == 0
        with_update = (self._track_updates and i % K == 0 and i > 0
                       and self._snapshot_step == step - 1)
        take_snapshot = self._track_updates and (i + 1) % K == 0
        grad_of_update = self._snapshot_grad_norm if with_update else math.nan
        self._measure(read_params, with_update, take_snapshot)
        self._update_grad_norm = grad_of_update
        if take_snapshot:
            self._snapshot_step = step
            self._snapshot_grad_norm = self._total_g
        self._finalize_probes()
        self._checks += 1
        finite = sum(self._bad) == 0 and (loss is None or math.isfinite(loss_v))
        self._write(self._record(step, loss_v, finite, self._read_lr(lr)))

    def _measure(self, read_params, with_update, take_snapshot):
        """One pass over the gradients (and, when read, the parameters): stats.ts measureGradients."""
        P = len(self._params)
        vals = []
        for k, p in enumerate(self._params):
            g = p.grad
            if g is None:
                g = torch.zeros_like(p)
            amin, amax = torch.aminmax(g.reshape(-1)) if self._numel[k] > 0 else (g.new_zeros(()), g.new_zeros(()))
            vals.append(torch.linalg.vector_norm(g))
            vals.append(torch.maximum(amax, -amin))
            vals.append(torch.count_nonzero(g))
            if read_params:
                pd = p.detach()
                vals.append(torch.linalg.vector_norm(pd))
                if with_update:
                    q = self._snapshot[k]
                    vals.append(torch.linalg.vector_norm(pd - q))
                    vals.append(torch.linalg.vector_norm(q))
        got = torch.stack([v.double() for v in vals]).tolist()
        if take_snapshot:
            for q, p in zip(self._snapshot, self._params):
                q.copy_(p.detach())
        L = len(self.layers)
        layer_g = [0.0] * L
        layer_p = [0.0] * L
        layer_u = [0.0] * L
        layer_b = [0.0] * L
        g_all = p_all = u_all = b_all = 0.0
        j = 0
        for k in range(P):
            n = self._numel[k]
            gn, mx, nonzero = got[j], got[j + 1], got[j + 2]
            j += 3
            g2 = gn * gn
            bad = 0
            if not math.isfinite(g2):
                g = self._params[k].grad
                ok = torch.isfinite(g)
                bad = int((~ok).sum())
                fin = g[ok]
                mx = float(fin.abs().max()) if fin.numel() > 0 else 0.0
                if bad == 0:  # a float32 norm overflowed: recompute in float64
                    g2 = float(torch.linalg.vector_norm(g.double())) ** 2
                else:
                    g2 = math.nan
            if read_params:
                pn = got[j]
                j += 1
                p2 = pn * pn
            else:
                p2 = self._p2[k]
            if with_update:
                u2, b2 = got[j] ** 2, got[j + 1] ** 2
                j += 2
                self._ratio[k] = _sqrt_ratio(u2, b2)
                l = self._param_layer[k]
                layer_u[l] += u2
                layer_b[l] += b2
                u_all += u2
                b_all += b2
            elif read_params:
                self._ratio[k] = math.nan
            self._g2[k] = g2
            self._p2[k] = p2
            self._max[k] = mx
            self._zero[k] = (n - nonzero) / n if n > 0 else 0.0
            self._bad[k] = bad
            l = self._param_layer[k]
            layer_g[l] += g2
            layer_p[l] += p2
            g_all += g2
            p_all += p2
        for l in range(L):
            self._layer_g[l] = math.sqrt(layer_g[l])
            self._layer_p[l] = math.sqrt(layer_p[l])
            if with_update:
                self._layer_ratio[l] = _sqrt_ratio(layer_u[l], layer_b[l])
            elif read_params:
                self._layer_ratio[l] = math.nan
        self._total_g = math.sqrt(g_all)
        self._total_p = math.sqrt(p_all)
        self._update_fresh = with_update
        if read_params:
            self._total_upd = math.sqrt(u_all) if with_update else math.nan
            self._total_before = math.sqrt(b_all) if with_update else math.nan
            self._total_ratio = _sqrt_ratio(u_all, b_all) if with_update else math.nan

    def _finalize_probes(self):
        for p in self._probes:
            parts = p.parts
            count = sum(parts[1::2])
            p.observed = count > 0
            if count > 0:
                s, sq, sat = torch.stack(parts[0::2]).sum(0).tolist()
                mean = s / count
                p.mean = mean
                p.width = p.last_width
                p.std = math.sqrt(max(0.0, sq / count - mean * mean))
                if p.kind == "relu":
                    p.saturation = math.nan
                    p.gain = math.nan
                    alive = p.alive.tolist()
                    w = len(alive)
                    if len(p.runs) != w:
                        p.runs = [0] * w
                    dead = 0
                    for u in range(w):
                        run = 0 if alive[u] else p.runs[u] + 1
                        p.runs[u] = run
                        if run >= self.dead_window:
                            dead += 1
                    p.dead_fraction = dead / w if w > 0 else math.nan
                else:
                    p.saturation = sat / count
                    # tanh: Σ(1 − a²) = n − Σa²; sigmoid: Σ4a(1 − a) = 4(Σa − Σa²)
                    p.gain = (count - sq) / count if p.kind == "tanh" else 4 * (s - sq) / count
            parts.clear()
            if p.alive is not None:
                p.alive.zero_()

    def _record(self, step, loss_v, finite, lr):
        L = len(self.layers)
        first_last = None
        if L >= 2:
            a, b = self._layer_g[0], self._layer_g[L - 1]
            first_last = _num(_div(a, b))
        rec = {
            "type": "stats",
            "step": step,
            "check": self._checks,
            "loss": _num(loss_v),
            "finite": finite,
            "lr": _num(lr),
            "totalGradNorm": _num(self._total_g),
            "totalParamNorm": _num(self._total_p),
            "updateRatio": _num(self._total_ratio),
            "update": {
                "norm": _num(self._total_upd),
                "before": _num(self._total_before),
                "gradNorm": _num(self._update_grad_norm),
                "fresh": self._update_fresh,
            },
            "cosine": "NaN",
            "firstLastRatio": first_last,
            "nonFinite": sum(self._bad),
            "layers": [
                {"name": name, "gradNorm": _num(self._layer_g[l]), "paramNorm": _num(self._layer_p[l]),
                 "updateRatio": _num(self._layer_ratio[l])}
                for l, name in enumerate(self.layers)
            ],
            "params": [
                {"name": name, "gradNorm": _num(math.sqrt(self._g2[k])),
                 "rms": _num(math.sqrt(self._g2[k] / self._numel[k]) if self._numel[k] > 0 else 0.0),
                 "maxAbs": _num(self._max[k]), "zeroFraction": _num(self._zero[k]),
                 "nonFinite": self._bad[k], "paramNorm": _num(math.sqrt(self._p2[k])),
                 "updateRatio": _num(self._ratio[k])}
                for k, name in enumerate(self.param_names)
            ],
        }
        if self._probes:
            rec["activations"] = [p.record() for p in self._probes]
        return rec

    # -- output ------------------------------------------------------------------------------

    def _write(self, record):
        line = (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        off = 0
        while off < len(line):
            off += os.write(self._fd, line[off:])

    def close(self):
        """Removes the hooks and closes the file (further steps raise)."""
        for h in self._handles:
            h.remove()
        self._handles = []
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _div(a, b):
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _sqrt_ratio(u2, b2):
    """√(u2/b2) with JavaScript's division (x/0 = Infinity, 0/0 = NaN), as stats.ts computes it."""
    r = _div(u2, b2)
    return math.sqrt(r) if r >= 0 else math.nan
