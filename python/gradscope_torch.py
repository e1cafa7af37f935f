"""gradscope's gradient-health records for PyTorch training loops.

``GradScope(model, out=run_dir)`` measures, at every checked step, the statistics gradscope's
own monitor measures (src/monitor/stats.ts, activation-probe.ts) and appends them to
``run_dir/records.jsonl`` in gradscope's monitor record format (``"gradscope.monitor"``
version 1: a header line, then one ``stats`` line per check; see docs/records.md and
src/monitor/records.ts).
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

- every ``every``-th step (default 1) a check: ‖g‖₂ per layer and in total (what the detectors
  read); on steps between checks, a NaN/±Inf gradient or loss forces a check;
- every ``params_every``-th check (default 10) and on any check with NaN/±Inf, per parameter
  ‖g‖₂, rms = ‖g‖/√n, max |g| (over the finite entries), the fraction of entries exactly 0, the
  NaN/±Inf count, ‖p‖₂ and the update ratio;
- every ``param_every``-th check (default 10, gradscope's ``paramEvery``) also ‖p‖₂ and the
  update ratio ‖Δp‖/‖p_before‖ of the step before (from a copy of the parameters taken one step
  earlier); between those checks the last ‖p‖ is reported again, as gradscope does;
- forward hooks on every ``nn.ReLU``, ``nn.Tanh`` and ``nn.Sigmoid`` module (training mode, on
  the forward passes of every ``probe_every``-th check, default 4): mean and std of the
  outputs, saturation (tanh |a| > 0.99; sigmoid a < 0.01 or a > 0.99), gain (tanh
  mean(1 − a²); sigmoid mean(4a(1 − a))) and, for ReLU, the fraction of units (last axis) that output 0 on every row of every batch of
  ``dead_window`` consecutive probed checks (default 20, gradscope's ``deadWindow``).

Layers are named as gradscope names them: a parameter ``"0.weight"`` belongs to layer ``"0"``
(the name without its last dotted segment); a stacked recurrent parameter
``"rnn.weight_hh_l1"`` to layer ``"rnn.l1"``. Layers are ordered as ``model.named_parameters()``
lists them (registration order, which is input → output for ``nn.Sequential`` and most models).
An activation module is credited to the last parameter layer before it in
``model.named_modules()`` order.

Records are queued and written once a second (``flush_every``; at once on a check with NaN/±Inf,
and at ``close()``), whole lines in one ``os.write`` on a file opened with ``O_APPEND``: readers can
follow the file while it grows and never see half a line (a system call per step cost as much as
the statistics). A queued record is a tuple of its values; the JSON is formatted when the queue is
written, in one loop (formatted between PyTorch's kernels at every step, it cost as much as the
statistics).

Per step the hook does as little Python as it can (on W1 it spends about 7 % of a training step,
against 10 % before; python/tests/overhead.py): the common check is one dot per gradient and one
``.item()`` each, the forward hooks are registered only for the probed forward passes (a module with
a forward hook takes PyTorch's slow call path on every forward), and the record waits for the flush.
"""

import atexit
import json
import math
import os
import re
import time
import weakref

import torch

try:  # optional: a few small array updates per check are cheaper in numpy than as tensor ops
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None

__all__ = ["GradScope", "layer_of", "FORMAT", "VERSION"]
__version__ = "0.1.0"

FORMAT = "gradscope.monitor"
VERSION = 1
FRAMEWORK = "pytorch"

# gradscope's detectors that are off unless switched on (src/monitor/detectors/*: `optIn`); the
# header says so, so that a replay runs the same detectors as a live gradscope monitor.
_OPT_IN_DETECTORS = ("lossSpike",)

# the nonzero count sign(g)·sign(g) is an exact integer up to 2²⁴ entries in float32
_EXACT_COUNT = 1 << 24

_grad_enabled = torch.is_grad_enabled
_set_grad_enabled = torch._C._set_grad_enabled  # what torch.no_grad() calls on enter and exit

# monitors not yet closed: their queued records are formatted and written at interpreter exit
# (atexit runs before modules are torn down; a __del__ during the teardown could not format them)
_OPEN = weakref.WeakSet()


@atexit.register
def _flush_open():
    for monitor in list(_OPEN):
        try:
            monitor.flush()
        except Exception:  # pragma: no cover - a closed or broken file: nothing more to do
            pass


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


def _js(x):
    """A float as JSON: repr (shortest round-trip), NaN/±Infinity as strings (gradscope's encoding)."""
    if x - x == 0:
        return repr(float(x))
    return '"NaN"' if x != x else ('"Infinity"' if x > 0 else '"-Infinity"')


def _str(s):
    return json.dumps(s)


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

    __slots__ = ("module", "kind", "layer", "parts", "count", "maxes", "runs", "observed",
                 "width", "last_width", "mean", "std", "saturation", "gain", "dead_fraction", "state",
                 "prefix")

    def __init__(self, module, kind, layer):
        self.module = module
        self.kind = kind
        self.layer = layer
        self.parts = []  # per forward pass: Σa, Σa² (and the saturated count) as 0-d tensors
        self.count = 0  # outputs seen since the last check
        self.maxes = []  # ReLU, per forward pass: each unit's max over the rows, a tensor [width]
        self.runs = None  # int array [width]: consecutive checks with output 0 on every row (ReLU)
        self.observed = False
        self.width = 0
        self.last_width = 0  # last axis of the last output seen
        self.mean = math.nan
        self.std = math.nan
        self.saturation = math.nan
        self.gain = math.nan
        self.dead_fraction = math.nan
        # this check's entry of the stats record: (observed, width, mean, std, saturation, gain,
        # deadFraction); the same tuple object while nothing changes (the JSON is cached by it)
        self.state = None
        self.prefix = f'{{"module":{_str(module)},"kind":"{kind}","layer":{_str(layer)},'

    def update_state(self):
        """Sets ``state`` from the statistics; returns whether it changed."""
        st = self.state
        if not self.observed and st is not None and not st[0]:
            return False  # not observed again: the record repeats the last values
        self.state = (self.observed, self.width, self.mean, self.std, self.saturation, self.gain,
                      self.dead_fraction)
        return True

    def json(self, st):
        """This probe's entry of a stats record for the state ``st``, as JSON."""
        return (f'{self.prefix}"observed":{"true" if st[0] else "false"},"width":{st[1]},'
                f'"mean":{_js(st[2])},"std":{_js(st[3])},"saturation":{_js(st[4])},'
                f'"gain":{_js(st[5])},"deadFraction":{_js(st[6])}}}')


class GradScope:
    """Writes gradscope monitor records for a PyTorch model (see the module docstring).

    Args:
        model: the ``torch.nn.Module`` being trained (its parameters with ``requires_grad`` are
            measured, in ``named_parameters()`` order; its ReLU/Tanh/Sigmoid modules are probed).
        out: the run directory (created if needed); records go to ``out/records.jsonl``.
        every: check every k-th step (default 1). gradscope's detectors count their patience in
            checks, so ``every`` > 1 delays verdicts by that factor.
        param_every: read the parameters (‖p‖, update ratio) every k-th check (default 10).
        params_every: write the per-parameter statistics (‖g‖, rms, max |g|, zero fraction,
            NaN/±Inf count, ‖p‖, update ratio) every k-th check (default 10: checks 1, 11, 21, …,
            the checks that read the parameters when ``every`` is 1), and on every check with a
            NaN/±Inf gradient; 1 = every check. The detectors read only the per-layer and total
            norms (written at every check), so this changes no verdict.
        probe_every: probe the activations on every k-th check (default 4: checks 1, 5, 9, …; 1 =
            every check, as gradscope's own monitor); the other checks record the probes as not
            observed, and gradscope's probe detectors (saturated, deadUnits) skip them, so their
            patience and ``dead_window`` count probed checks (a unit is dead after 20 probed
            checks, 80 steps, all zero). Probing every check costs about 4 % more of a W1 step.
        update_ratio: measure ‖Δp‖/‖p_before‖ (keeps one copy of the parameters; default True).
        probes: hook the activation modules (default True).
        dead_window: checks a ReLU unit must be 0 on every row to count as dead (default 20).
        lr: the learning rate (a number or a function returning it), when ``step`` is not given one.
        thresholds: overrides of gradscope's detector thresholds, written to the header so that the
            replay uses them (e.g. ``{"vanishingPatience": 5}``).
        detectors: detectors to switch on or off in the replay, e.g. ``{"plateau": False}``.
        classify: ``f(module, name) -> "relu" | "tanh" | "sigmoid" | None`` (default: the nn
            modules ReLU, Tanh, Sigmoid).
        file: file name in ``out`` (default ``records.jsonl``, the name ``gradscope diagnose`` and
            ``gradscope serve`` look for in a run directory of another framework).
        flush_every: write the queued records to the file at most this many seconds apart
            (default 1; 0 = every record). A check with a NaN/±Inf gradient or loss is written at
            once, and ``close()`` (or the end of a ``with`` block) writes the rest.
    """

    def __init__(self, model, out, *, every=1, param_every=10, params_every=10, probe_every=4,
                 update_ratio=True, probes=True,
                 dead_window=20, lr=None, thresholds=None, detectors=None, classify=None,
                 file="records.jsonl", flush_every=1.0):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"GradScope: model = {type(model).__name__} is not a torch.nn.Module")
        if not isinstance(out, (str, os.PathLike)) or str(out) == "":
            raise ValueError(f"GradScope: out = {out!r} is not a non-empty path")
        if not isinstance(file, str) or file == "" or "/" in file or "\\" in file:
            raise ValueError(f"GradScope: file = {file!r} must be a plain file name")
        self.every = _check_int("every", every, 1)
        self.param_every = _check_int("param_every", param_every, 1)
        self.dead_window = _check_int("dead_window", dead_window, 1)
        self.params_every = _check_int("params_every", params_every, 1)
        self.probe_every = _check_int("probe_every", probe_every, 1)
        if isinstance(flush_every, bool) or not isinstance(flush_every, (int, float)) or not flush_every >= 0:
            raise ValueError(f"GradScope: flush_every = {flush_every!r} is invalid; expected seconds >= 0")
        self.flush_every = float(flush_every)
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

        self._layer_json = [_str(n) for n in self.layers]
        # each layer's parameters as a [start, end) span of the parameter list, when contiguous
        spans = {}
        for k, l in enumerate(self._param_layer):
            a, b = spans.get(l, (k, k))
            spans[l] = (a, k + 1) if b == k else (-1, -1)
        self._layer_spans = ([spans[l] for l in range(len(self.layers))]
                             if all(a >= 0 for a, _ in spans.values()) else None)
        self._param_json = [_str(n) for n in self.param_names]
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
        self._scratch = {}
        self._pversion = 0  # bumped whenever parameter-side values may change
        self._pside_key = None
        self._pside = ""
        self._layer_tails = []
        self._scratch_views = [None] * len(self._params)
        self._np_bufs = {}
        self._np_scratch_views = [None] * len(self._params)
        self._np_mask_buf = None
        self._np_mask_views = [None] * len(self._params)
        self._snapshot_views = None  # numpy views of self._snapshot (CPU)

        self._probes = []
        self._probe_hooks = []  # (module, hook) of every probed module
        self._handles = []  # the hooks' handles while registered (armed)
        self._armed = False
        self._acts = ()  # the probes' states of the current check (see _Probe.state)
        self._acts_observed = False  # whether a probe was observed in the last check
        self._acts_json = (None, "")  # the last acts formatted: (acts, JSON)
        if probes:
            self._attach(model, layer_modules, classify or _default_classify)

        os.makedirs(out, exist_ok=True)
        self.path = os.path.join(os.fspath(out), file)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size > 0:
            os.close(self._fd)
            self._fd = None
            raise ValueError(f"GradScope: {self.path} already holds records; use a new run directory")
        self._pending = []
        self._flushed = time.monotonic()
        self._write(self._header(), flush=True)
        _OPEN.add(self)

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
            self._probe_hooks.append((m, self._hook_for(probe)))
        self._arm(True)

    def _arm(self, on):
        """Registers the forward hooks for the probed forward passes, removes them for the others:
        a module with a forward hook takes PyTorch's slow call path on every forward, probed or not
        (about 15 µs per probed module of a W1 step)."""
        self._armed = on
        if on and not self._handles:
            self._handles = [m.register_forward_hook(h) for m, h in self._probe_hooks]
        elif not on and self._handles:
            for h in self._handles:
                h.remove()
            self._handles = []

    def _hook_for(self, probe):
        observe = self._observe  # a subclass's override too (python/tests/overhead.py times it)

        def hook(module, _inputs, output):
            if module.training and isinstance(output, torch.Tensor):
                observe(probe, output.detach())
        return hook

    @staticmethod
    def _observe(p, d):
        """Accumulates one output: Σa, Σa² and (tanh/sigmoid) the saturated count as tensors,
        (ReLU) which units were nonzero on some row; nothing is read back until the check."""
        n = d.numel()
        w = 1 if d.dim() == 0 else d.shape[-1]
        flat = d.reshape(-1)
        p.last_width = w
        p.count += n
        p.parts.append(flat.sum())
        p.parts.append(torch.dot(flat, flat))
        if p.kind == "relu":
            if n > 0:
                # a unit is silent when it is 0 on every row; ReLU outputs are ≥ 0 (or NaN), so
                # "max over the rows == 0" says it in one reduction (compared with 0 at the check)
                p.maxes.append((d if d.dim() == 2 else d.reshape(-1, w)).amax(0))
        elif p.kind == "tanh":
            p.parts.append((flat.abs() > 0.99).sum().to(flat.dtype))
        else:
            p.parts.append(((flat < 0.01).sum() + (flat > 0.99).sum()).to(flat.dtype))

    def _header(self):
        return {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "framework": FRAMEWORK,
            "frameworkVersion": str(torch.__version__),
            "model": {
                "name": type(self.model).__name__,
                "numParameters": sum(self._numel),
                "summary": _summary(self.model),
            },
            "params": [
                {"name": n, "shape": list(p.shape), "dtype": _DTYPES.get(p.dtype, "float32")}
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
        loss_v = math.nan if loss is None else (loss.item() if torch.is_tensor(loss) else float(loss))
        i = self._step
        self._step = i + 1
        do_check = i % self.every == 0
        grad_mode = _grad_enabled()
        _set_grad_enabled(False)  # torch.no_grad() without its Python context-manager calls
        try:
            if not do_check and (
                (loss is not None and not math.isfinite(loss_v)) or self._quick_non_finite()
            ):
                do_check = True
            if do_check:
                self._check(loss, loss_v, lr)
            elif self._track_updates and (i + 1) % self._K == 0:
                self._take_snapshot()
                self._snapshot_step = i + 1
                self._snapshot_grad_norm = math.nan
        finally:
            _set_grad_enabled(grad_mode)
        # probe the next forward pass when the next step is a check and a probed one
        if self._probe_hooks:
            armed = (i + 1) % self.every == 0 and self._checks % self.probe_every == 0
            if armed != self._armed:
                self._arm(armed)

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
        norms = [torch.dot(p.grad.reshape(-1), p.grad.reshape(-1)) for p in self._params if p.grad is not None]
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
        detail = self._checks % self.params_every == 0
        grad_of_update = self._snapshot_grad_norm if with_update else math.nan
        detail = self._measure(read_params, with_update, take_snapshot, detail)
        self._update_grad_norm = grad_of_update
        if take_snapshot:
            self._snapshot_step = step
            self._snapshot_grad_norm = self._total_g
        # the probes saw forward passes only while armed; else their entries change only once,
        # from observed to not observed
        if (self._armed or self._acts_observed) and self._finalize_probes():
            self._acts = acts = tuple(p.state for p in self._probes)
            self._acts_observed = any(st[0] for st in acts)
        self._checks += 1
        finite = (loss is None or math.isfinite(loss_v)) and not any(self._bad)
        if type(lr) is not float or not 0 < lr < math.inf:
            lr = self._read_lr(lr)
        self._pending.append(self._record(step, loss_v, loss is None, finite, lr, detail))
        now = time.monotonic()
        if not finite or now - self._flushed >= self.flush_every:
            self.flush()
            self._flushed = now

    def _take_snapshot(self):
        """Copies the parameters (for the next step's update ratio)."""
        for k, p in enumerate(self._params):
            q = self._snapshot[k]
            if q.device != p.device or q.dtype != p.dtype:  # the model moved after init
                q = self._snapshot[k] = torch.empty_like(p, memory_format=torch.contiguous_format)
                self._snapshot_views = None
            q.copy_(p)  # under no_grad (step)

    def _layer_sums(self, g2):
        sums = [0.0] * len(self.layers)
        for k, l in enumerate(self._param_layer):
            sums[l] += g2[k]
        return [math.sqrt(x) for x in sums]

    def _scratch_for(self, k, f):
        """A scratch buffer like the flat tensor f (shared by the parameters of one dtype and device)."""
        v = self._scratch_views[k]
        if v is None or v.dtype != f.dtype or v.device != f.device:
            key = (f.dtype, f.device)
            buf = self._scratch.get(key)
            if buf is None or buf.numel() < f.numel():
                size = max([q.numel() for q in self._params if (q.dtype, q.device) == key] + [f.numel()])
                buf = torch.empty(size, dtype=f.dtype, device=f.device)
                self._scratch[key] = buf
            v = buf[: f.numel()]
            self._scratch_views[k] = v
        return v

    def _grads(self):
        """Each parameter's gradient (zeros for a parameter without one this step)."""
        out = []
        for p in self._params:
            g = p.grad
            out.append(g if g is not None else torch.zeros_like(p))
        return out

    def _measure_torch(self, read_params, with_update, detail):
        """``_measure``'s sums as tensor ops (any device and dtype): Σg², Σp², ‖Δp‖², ‖p_before‖²
        per parameter in one list, and on detail checks max g, min g and the nonzero count per
        parameter; returns (sums, detail values or None, detail)."""
        P = len(self._params)
        vals = [torch.dot(f, f) for f in map(_flat, self._grads())]
        if read_params:
            pds = [_flat(p.detach()) for p in self._params]
            vals += [torch.dot(f, f) for f in pds]
            if with_update:
                for k, f in enumerate(pds):
                    q = _flat(self._snapshot[k])
                    d = torch.sub(f, q, out=self._scratch_for(k, f))
                    vals.append(torch.dot(d, d))
                vals += [torch.dot(q, q) for q in map(_flat, self._snapshot)]
        # Σg², Σp², ‖Δp‖², ‖p_before‖² per parameter (the sums stats.ts keeps)
        got = _values(vals)
        if not detail and not all(map(math.isfinite, got)):
            detail = True  # a non-finite gradient: the record says where
        if detail:
            more = []
            for k, p in enumerate(self._params):
                f = (p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                n = self._numel[k]
                if n == 0:
                    z = f.new_zeros(())
                    more += [z, z, z]
                    continue
                amin, amax = torch.aminmax(f)
                if n <= _EXACT_COUNT:
                    sg = torch.sign(f, out=self._scratch_for(k, f))
                    nonzero = torch.dot(sg, sg)
                else:  # a float32 sum of ones is exact up to 2²⁴ only
                    nonzero = torch.count_nonzero(f).to(f.dtype)
                more += [amax, amin, nonzero]
            extra = _values(more)
        return got, (extra if detail else None), detail

    def _np_ok(self):
        """Whether the detail sums can run in numpy: numpy is there and every parameter is a
        float32/float64 tensor on the CPU."""
        return _np is not None and all(
            p.device.type == "cpu" and p.dtype in _NP_DTYPES for p in self._params)

    def _measure_np(self, read_params, with_update, detail):
        """``_measure_torch`` in numpy on views of the same memory (CPU float32/float64): the same
        BLAS dot (bit-identical sums), max/min instead of aminmax, the zero count as
        count_nonzero(g == 0) into a scratch mask instead of sign(g)·sign(g); about a quarter fewer
        calls, each cheaper than a tensor op's dispatch."""
        P = len(self._params)
        vdot = _np.vdot
        gs = [_np_view(g) for g in self._grads()]
        got = [float(vdot(g, g)) for g in gs]
        if read_params:
            ps = [_np_view(p) for p in self._params]
            got += [float(vdot(a, a)) for a in ps]
            if with_update:
                qs = self._snapshot_np()
                us = []
                for k, a in enumerate(ps):
                    d = _np.subtract(a, qs[k], out=self._np_scratch(k, a))
                    us.append(float(vdot(d, d)))
                got += us
                got += [float(vdot(q, q)) for q in qs]
        if not detail and not all(map(math.isfinite, got)):
            detail = True  # a non-finite gradient: the record says where
        extra = None
        if detail:
            extra = []
            for k, g in enumerate(gs):
                n = self._numel[k]
                if n == 0:
                    extra += [0.0, 0.0, 0.0]
                    continue
                mask = _np.equal(g, 0, out=self._np_mask(k, g))
                extra += [float(g.max()), float(g.min()), float(n - _np.count_nonzero(mask))]
        return got, extra, detail

    def _np_scratch(self, k, a):
        """A scratch array shaped like ``a`` (one flat buffer per dtype, shared)."""
        v = self._np_scratch_views[k]
        if v is None or v.dtype != a.dtype or v.shape != a.shape:
            buf = self._np_bufs.get(a.dtype)
            if buf is None or buf.size < a.size:
                buf = _np.empty(max([a.size] + self._numel), dtype=a.dtype)
                self._np_bufs[a.dtype] = buf
            v = buf[: a.size].reshape(a.shape)
            self._np_scratch_views[k] = v
        return v

    def _np_mask(self, k, a):
        """A bool scratch array shaped like ``a`` (one flat buffer, shared)."""
        v = self._np_mask_views[k]
        if v is None or v.shape != a.shape:
            if self._np_mask_buf is None or self._np_mask_buf.size < a.size:
                self._np_mask_buf = _np.empty(max([a.size] + self._numel), dtype=bool)
            v = self._np_mask_buf[: a.size].reshape(a.shape)
            self._np_mask_views[k] = v
        return v

    def _snapshot_np(self):
        """numpy views of the parameter copies (made again when a copy is)."""
        if self._snapshot_views is None:
            self._snapshot_views = [q.numpy() for q in self._snapshot]
        return self._snapshot_views

    def _measure(self, read_params, with_update, take_snapshot, detail):
        """One pass over the gradients (and, when read, the parameters): stats.ts measureGradients.

        Every check: Σg² = g·g per parameter (one BLAS dot, 5× faster than ``vector_norm`` on
        CPU; the layer and total norms the detectors read). On detail checks (and on any check with a NaN/±Inf gradient) also the
        nonzero count as sign(g)·sign(g) (sign into a scratch buffer, then a dot: 10× faster than
        count_nonzero on CPU) and max |g| = max(max g, −min g) (one aminmax). Every result stays a
        tensor until it is read back at the end (``_values``: ``.item()`` each on the CPU, one
        ``tolist()`` on a GPU, one device sync per check). Returns whether the per-parameter
        statistics were measured.
        """
        P = len(self._params)
        if not (read_params or with_update or take_snapshot or detail):
            # the common check (9 in 10 with the defaults): gradient norms only, read back at once
            # on the CPU (one loop, no list of tensors)
            if self._params[0].device.type == "cpu":
                got = []
                for p in self._params:
                    g = p.grad
                    if g is None:
                        got.append(0.0)
                        continue
                    f = g.reshape(-1)
                    got.append(torch.dot(f, f).item())
            else:
                got = _values([torch.dot(f, f) for f in map(_flat, self._grads())])
            total = sum(got)
            if math.isfinite(total):
                self._g2 = got
                self._layer_g = [math.sqrt(sum(got[a:b])) for a, b in self._layer_spans] \
                    if self._layer_spans is not None else self._layer_sums(got)
                self._total_g = math.sqrt(total)
                self._update_fresh = False
                if any(self._bad):
                    self._bad = [0] * P
                return False
        self._pversion += 1
        if self._np_ok():
            got, extra, detail = self._measure_np(read_params, with_update, detail)
        else:
            got, extra, detail = self._measure_torch(read_params, with_update, detail)
        if take_snapshot:
            self._take_snapshot()
        L = len(self.layers)
        layer_g = [0.0] * L
        layer_p = [0.0] * L
        layer_u = [0.0] * L
        layer_b = [0.0] * L
        g_all = p_all = u_all = b_all = 0.0
        for k in range(P):
            n = self._numel[k]
            g2 = got[k]
            bad = 0
            if detail:
                # max |g| = max(max g, −min g), as torch.maximum would pick (finite g here; the
                # others are measured again below)
                mx, nonzero = max(extra[3 * k], -extra[3 * k + 1]) + 0.0, extra[3 * k + 2]  # never −0
            if not math.isfinite(g2) or (detail and not math.isfinite(nonzero)):
                g = self._params[k].grad
                ok = torch.isfinite(g)
                bad = int((~ok).sum())
                fin = g[ok]
                mx = float(fin.abs().max()) if fin.numel() > 0 else 0.0
                nonzero = int(torch.count_nonzero(g))  # NaN counts as nonzero, as in stats.ts
                if bad == 0:  # a float32 Σg² overflowed: recompute in float64
                    g2 = float(torch.linalg.vector_norm(g.double())) ** 2
                else:
                    g2 = math.nan
            if detail:
                self._max[k] = mx
                self._zero[k] = (n - nonzero) / n if n > 0 else 0.0
            p2 = got[P + k] if read_params else self._p2[k]
            if with_update:
                u2, b2 = got[2 * P + k], got[3 * P + k]
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
            self._bad[k] = bad
            l = self._param_layer[k]
            layer_g[l] += g2
            layer_p[l] += p2
            g_all += g2
            p_all += p2
        self._layer_g = [math.sqrt(x) for x in layer_g]  # a new list: queued records hold the old
        for l in range(L):
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
        return detail

    def _finalize_probes(self):
        """The probes' statistics of this check (activation-probe.ts finalize); resets the sums.

        The sums are read back with ``_values`` (``.item()`` each on the CPU); a ReLU unit's run of
        checks with output 0 on every row counts up, and resets when it outputs anything (in
        numpy when the outputs are on the CPU and numpy is there: a tensor op costs more to
        dispatch than the arithmetic). Returns whether a probe's record entry changed."""
        parts = [t for p in self._probes for t in p.parts]
        if not parts:  # nothing probed since the last check: the entries repeat (not observed)
            changed = False
            for p in self._probes:
                p.observed = False
                changed = p.update_state() or changed
            return changed
        flat = _values(parts)
        at = 0
        for p in self._probes:
            count = p.count
            p.observed = count > 0
            if count > 0:
                k = 2 if p.kind == "relu" else 3
                got = flat[at : at + len(p.parts)]
                at += len(p.parts)
                s, sq = sum(got[0::k]), sum(got[1::k])
                mean = s / count
                p.mean = mean
                p.width = p.last_width
                p.std = math.sqrt(max(0.0, sq / count - mean * mean))
                if p.kind == "relu":
                    p.saturation = math.nan
                    p.gain = math.nan
                    if p.maxes:
                        p.dead_fraction = self._dead_fraction(p)
                else:
                    p.saturation = sum(got[2::3]) / count
                    # tanh: Σ(1 − a²) = n − Σa²; sigmoid: Σ4a(1 − a) = 4(Σa − Σa²)
                    p.gain = (count - sq) / count if p.kind == "tanh" else 4 * (s - sq) / count
            p.parts.clear()
            p.maxes.clear()
            p.count = 0
            p.update_state()
        return True

    def _dead_fraction(self, p):
        """The fraction of units whose run of all-zero checks reached ``dead_window``, after this
        check. A unit is silent this check when its max over the rows was 0 on every forward pass
        (of the last output width: a pass of another width starts over, as activation-probe.ts)."""
        maxes = p.maxes
        w = maxes[-1].numel()
        if w == 0:
            return math.nan
        n = len(maxes)
        first = n - 1
        while first > 0 and maxes[first - 1].numel() == w:
            first -= 1
        if _np is not None and maxes[-1].device.type == "cpu" and maxes[-1].dtype != torch.bfloat16:
            mask = maxes[first].numpy() == 0
            for m in maxes[first + 1 :]:
                mask &= m.numpy() == 0
            if not isinstance(p.runs, _np.ndarray) or p.runs.shape[0] != w:
                p.runs = _np.zeros(w, dtype=_np.int64)
            p.runs += 1
            p.runs *= mask
            return int(_np.count_nonzero(p.runs >= self.dead_window)) / w
        silent = maxes[first] == 0
        for m in maxes[first + 1 :]:
            silent.logical_and_(m == 0)
        if not torch.is_tensor(p.runs) or p.runs.numel() != w or p.runs.device != silent.device:
            p.runs = torch.zeros(w, dtype=torch.int64, device=silent.device)
        p.runs.add_(1).mul_(silent)
        return int((p.runs >= self.dead_window).sum()) / w

    def _record(self, step, loss_v, loss_none, finite, lr, detail):
        """The check's stats record (records.ts StatsRecord), as a tuple of its values: it is
        formatted as JSON by ``_format`` when the queue is written (once a second), in one loop
        over the queued records, not at every step (formatting at each step, between PyTorch's
        kernels, cost as much as the statistics). The per-parameter entries (detail checks, 1 in
        10) are formatted now: those lists are updated in place by the next detail check."""
        L = len(self.layers)
        # the parameter-side values change only on checks that read the parameters: their JSON is
        # formatted once per such check (9 in 10 checks reuse it)
        key = (self._pversion, self._update_grad_norm != self._update_grad_norm)
        if self._pside_key != key:
            self._pside_key = key
            self._pside = (
                f'"totalParamNorm":{_js(self._total_p)},'
                f'"updateRatio":{_js(self._total_ratio)},"update":{{"norm":{_js(self._total_upd)},'
                f'"before":{_js(self._total_before)},"gradNorm":{_js(self._update_grad_norm)},'
                f'"fresh":{"true" if self._update_fresh else "false"}}},"cosine":"NaN",'
            )
            self._layer_tails = [
                f',"paramNorm":{_js(self._layer_p[l])},"updateRatio":{_js(self._layer_ratio[l])}}}'
                for l in range(L)
            ]
        params = None
        if detail:
            params = ",".join(
                f'{{"name":{self._param_json[k]},"gradNorm":{_js(math.sqrt(self._g2[k]))},'
                f'"rms":{_js(math.sqrt(self._g2[k] / n) if n > 0 else 0.0)},"maxAbs":{_js(self._max[k])},'
                f'"zeroFraction":{_js(self._zero[k])},"nonFinite":{self._bad[k]},'
                f'"paramNorm":{_js(math.sqrt(self._p2[k]))},"updateRatio":{_js(self._ratio[k])}}}'
                for k, n in enumerate(self._numel)
            )
        # self._layer_g is a new list at every check; the pside strings are new when they change
        return (step, self._checks, None if loss_none else loss_v, finite, lr, self._total_g,
                self._pside, self._layer_g, self._layer_tails, sum(self._bad), params, self._acts)

    def _format(self, rec):
        """A record tuple of ``_record`` as one JSON line. Numbers as Python's repr (shortest
        round-trip, as JSON.stringify writes them), NaN/±Inf as "NaN"/"Infinity"; a loss or lr
        that was not given is null."""
        step, check, loss, finite, lr, total_g, pside, layer_g, tails, bad, params, acts = rec
        L = len(layer_g)
        first_last = _js(_div(layer_g[0], layer_g[L - 1])) if L >= 2 else "null"
        names = self._layer_json
        parts = [
            f'{{"type":"stats","step":{step},"check":{check},"loss":{"null" if loss is None else _js(loss)},'
            f'"finite":{"true" if finite else "false"},"lr":{"null" if lr != lr else _js(lr)},'
            f'"totalGradNorm":{_js(total_g)},',
            pside,
            f'"firstLastRatio":{first_last},"nonFinite":{bad},"layers":[',
            ",".join(f'{{"name":{names[l]},"gradNorm":{_js(layer_g[l])}{tails[l]}' for l in range(L)),
            "]",
        ]
        if params is not None:
            parts.append(',"params":[')
            parts.append(params)
            parts.append("]")
        if self._probes:
            cached, text = self._acts_json
            if cached is not acts:
                text = ",".join(p.json(st) for p, st in zip(self._probes, acts))
                self._acts_json = (acts, text)
            parts.append(',"activations":[')
            parts.append(text)
            parts.append("]")
        parts.append("}")
        return "".join(parts)

    # -- output ------------------------------------------------------------------------------

    def _write(self, record, flush=False):
        """Queues one record (a dict, a JSON string or a ``_record`` tuple) as one line; the queue
        goes to the file in one ``os.write`` (whole lines only) every ``flush_every`` seconds, on a
        check with NaN/±Inf, and at ``close``."""
        if isinstance(record, dict):
            record = json.dumps(record, separators=(",", ":"), allow_nan=False)
        self._pending.append(record)
        now = time.monotonic()
        if flush or now - self._flushed >= self.flush_every:
            self.flush()
            self._flushed = now

    def flush(self):
        """Writes the queued records to the file now."""
        if not self._pending or self._fd is None:
            return
        fmt = self._format
        data = ("\n".join([r if isinstance(r, str) else fmt(r) for r in self._pending]) + "\n").encode("utf-8")
        self._pending.clear()
        off = 0
        while off < len(data):
            off += os.write(self._fd, data[off:])

    def close(self):
        """Writes the queued records, removes the hooks and closes the file (further steps raise)."""
        self._arm(False)
        self._probe_hooks = []
        if self._fd is not None:
            self.flush()
            os.close(self._fd)
            self._fd = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to do
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _div(a, b):
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


_DTYPES = {torch.float64: "float64", torch.float32: "float32", torch.float16: "float16",
           torch.bfloat16: "bfloat16"}


def _summary(model, limit=2000):
    """repr(model), cut to `limit` characters."""
    text = repr(model)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _values(ts):
    """0-d tensors as Python floats: ``.item()`` each when they are on the CPU (cheaper there than
    stacking them into a new tensor first: no allocation, no copy), else one ``stack`` (in float64
    when the dtypes differ) and one ``tolist()`` (one device sync). The same numbers either way."""
    if not ts:
        return []
    if ts[0].device.type == "cpu":
        return [t.item() for t in ts]
    if len({t.dtype for t in ts}) > 1:
        ts = [t.double() for t in ts]
    return torch.stack(ts).tolist()


_NP_DTYPES = (torch.float32, torch.float64)


def _np_view(t):
    """A CPU tensor's memory as a numpy array (no copy)."""
    return (t.detach() if t.requires_grad else t).numpy()


def _flat(t):
    """t as a 1-d tensor (a view when contiguous)."""
    return t.view(-1) if t.is_contiguous() else t.reshape(-1)


def _sqrt_ratio(u2, b2):
    """√(u2/b2) with JavaScript's division (x/0 = Infinity, 0/0 = NaN), as stats.ts computes it."""
    r = _div(u2, b2)
    return math.sqrt(r) if r >= 0 else math.nan
