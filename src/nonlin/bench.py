"""Benchmarks against the peers, measured in one run: ``nonlin bench``.

For each activation, mode, dtype and size this times nonlin on NumPy input and the same
computation in the peers that are installed:

* ``numpy``: the textbook formula in plain NumPy, one temporary per operation (how
  numpy-ml and most from-scratch code write it);
* ``torch``: PyTorch eager on the CPU with the same number of threads;
* ``jax``: ``jax.jit`` on the CPU.

Modes: ``forward`` is f(x); ``derivatives`` is f, f' and f'' together (torch: double
backward; jax: jit of grad of grad); ``vjp`` is f and one vector-Jacobian product
(torch: one backward; jax: ``jax.vjp``).

Results are medians of repeated calls with their spread (interquartile range over the
median), reported as time per element and as the ratio to the fastest peer, so that the
numbers do not depend on how busy the machine is as much as raw times would. Peak extra
memory of a nonlin call is measured with :mod:`tracemalloc` (NumPy reports its buffers
there), less the result itself.

Nothing here is imported by ``import nonlin``; peers are imported when measured.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import engine, kernels
from .registry import get, names

__all__ = ["Measurement", "add_bench_arguments", "measure", "run", "run_bench_command"]

MODES = ("forward", "derivatives", "vjp")
PEERS = ("numpy", "torch", "jax")
DEFAULT_SIZES = (1_000, 1_000_000, 10_000_000)
DEFAULT_DTYPES = ("float32", "float64")

Kernel = Callable[[Any], Any]


# --------------------------------------------------------------------------- peers' formulas
#
# How each peer spells an activation: (torch, jax, naive NumPy), each a function of the
# peer's module(s) returning a one-argument function; None where the peer lacks it.


def _torch_functional(name: str, **kwargs: Any) -> Callable[[Any], Kernel]:
    def build(torch: Any) -> Kernel:
        function = getattr(torch.nn.functional, name)
        return lambda x: function(x, **kwargs)

    return build


def _torch_top(name: str) -> Callable[[Any], Kernel]:
    return lambda torch: getattr(torch, name)


def _jax_nn(name: str, **kwargs: Any) -> Callable[[Any], Kernel]:
    def build(jax: Any) -> Kernel:
        function = getattr(jax.nn, name)
        return lambda x: function(x, **kwargs)

    return build


def _naive_sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def _naive_softplus(x: Any) -> Any:
    return np.log(1 + np.exp(x))


def _naive_softmax(x: Any) -> Any:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_NAIVE: dict[str, Kernel] = {
    "sigmoid": _naive_sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(0, x),
    "relu6": lambda x: np.minimum(np.maximum(0, x), 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "softplus": _naive_softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "silu": lambda x: x * _naive_sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3))),
    "mish": lambda x: x * np.tanh(_naive_softplus(x)),
    "softmax": _naive_softmax,
    "exponential": np.exp,
    "linear": lambda x: x,
}

_TORCH: dict[str, Callable[[Any], Kernel]] = {
    "sigmoid": _torch_top("sigmoid"),
    "tanh": _torch_top("tanh"),
    "log_sigmoid": _torch_functional("logsigmoid"),
    "softsign": _torch_functional("softsign"),
    "tanh_shrink": _torch_functional("tanhshrink"),
    "relu": _torch_functional("relu"),
    "relu6": _torch_functional("relu6"),
    "leaky_relu": _torch_functional("leaky_relu"),
    "hard_tanh": _torch_functional("hardtanh"),
    "hard_shrink": _torch_functional("hardshrink"),
    "soft_shrink": _torch_functional("softshrink"),
    "hard_sigmoid_v3": _torch_functional("hardsigmoid"),
    "hard_silu": _torch_functional("hardswish"),
    "elu": _torch_functional("elu"),
    "selu": _torch_functional("selu"),
    "celu": _torch_functional("celu"),
    "exponential": _torch_top("exp"),
    "softplus": _torch_functional("softplus"),
    "gelu": _torch_functional("gelu"),
    "silu": _torch_functional("silu"),
    "mish": _torch_functional("mish"),
    "softmax": _torch_functional("softmax", dim=-1),
    "log_softmax": _torch_functional("log_softmax", dim=-1),
    "softmin": _torch_functional("softmin", dim=-1),
    "glu": _torch_functional("glu", dim=-1),
    # nonlin's prelu shares one slope by default, as torch's num_parameters=1
    "prelu": lambda torch: lambda x: torch.nn.functional.prelu(x, x.new_full((1,), 0.25)),
}

_JAX: dict[str, Callable[[Any], Kernel]] = {
    "sigmoid": _jax_nn("sigmoid"),
    "tanh": lambda jax: jax.numpy.tanh,
    "log_sigmoid": _jax_nn("log_sigmoid"),
    "softsign": _jax_nn("soft_sign"),
    "relu": _jax_nn("relu"),
    "relu6": _jax_nn("relu6"),
    "leaky_relu": _jax_nn("leaky_relu"),
    "hard_tanh": _jax_nn("hard_tanh"),
    "hard_sigmoid_v3": _jax_nn("hard_sigmoid"),
    "sparse_sigmoid": _jax_nn("sparse_sigmoid"),
    "hard_silu": _jax_nn("hard_silu"),
    "sparse_plus": _jax_nn("sparse_plus"),
    "elu": _jax_nn("elu"),
    "selu": _jax_nn("selu"),
    "celu": _jax_nn("celu"),
    "exponential": lambda jax: jax.numpy.exp,
    "softplus": _jax_nn("softplus"),
    "squareplus": _jax_nn("squareplus"),
    "gelu": _jax_nn("gelu", approximate=False),
    "silu": _jax_nn("silu"),
    "mish": _jax_nn("mish"),
    "softmax": _jax_nn("softmax"),
    "log_softmax": _jax_nn("log_softmax"),
    "standardize": _jax_nn("standardize"),
    "glu": _jax_nn("glu"),
    # jax.nn has no prelu: the formula as a JAX user writes it, one shared slope
    "prelu": lambda jax: lambda x: jax.numpy.where(x > 0, x, 0.25 * x),
}


def _naive_build(kernel: Kernel) -> Callable[[Any], Kernel]:
    return lambda numpy: kernel


# The naive NumPy formulas in the builders' shape (a function of the module).
_NAIVE_BUILDS = {name: _naive_build(kernel) for name, kernel in _NAIVE.items()}


def _spelled(table: dict[str, Callable[[Any], Kernel]], act: Any) -> Callable[[Any], Kernel] | None:
    """How a peer spells ``act``: its own entry, or, for a chain, its stages' entries
    applied in turn (the chain as the peer's users write it); None where it lacks one."""
    canonical = str(act)
    if canonical in table:
        return table[canonical]
    stages = [str(stage) for stage in act.iter_stages()]
    if len(stages) < 2 or not all(stage in table for stage in stages):
        return None
    builds = [table[stage] for stage in stages]

    def build(module: Any) -> Kernel:
        kernels = [each(module) for each in builds]

        def composed(x: Any) -> Any:
            for kernel in kernels:
                x = kernel(x)
            return x

        return composed

    return build


# --------------------------------------------------------------------------- one measurement


@dataclass
class Measurement:
    """One row: times in nanoseconds per element (median), spread as IQR/median."""

    spec: str
    mode: str
    dtype: str
    size: int
    ns_per_element: dict[str, float] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)
    peak_extra_bytes: int | None = None

    @property
    def best_peer(self) -> str | None:
        timed = {peer: self.ns_per_element[peer] for peer in ("torch", "jax")}
        timed = {peer: value for peer, value in timed.items() if math.isfinite(value)}
        return min(timed, key=timed.__getitem__) if timed else None

    @property
    def ratio(self) -> float:
        """nonlin's time over the fastest of torch and jax (< 1: nonlin is faster)."""
        peer = self.best_peer
        if peer is None:
            return math.nan
        return self.ns_per_element["nonlin"] / self.ns_per_element[peer]


def _time(call: Callable[[], Any], size: int, budget: float) -> tuple[float, float]:
    """Median ns per element and IQR/median of ``call``, within about ``budget`` seconds."""
    call()  # warm up: caches, jit compilation, thread pools
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    repeats = int(min(max(budget / once, 5), 2000))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    quartiles = statistics.quantiles(samples, n=4)
    median = statistics.median(samples)
    return median / size * 1e9, (quartiles[2] - quartiles[0]) / median


def _shape(spec: str, size: int) -> tuple[int, ...]:
    """Rows of 1000 for activations that work along an axis, flat otherwise."""
    return (size,) if get(spec).elementwise else (max(size // 1000, 1), min(size, 1000))


def _ours(spec: str, mode: str, x: np.ndarray) -> Callable[[], Any]:
    act = get(spec)
    if mode == "forward":
        return lambda: act(x)
    if mode == "derivatives":
        return lambda: act.derivatives(x)
    dy = np.ones_like(act(x))  # shaped like f(x): glu halves its axis
    return lambda: (act(x), act.vjp(x, dy))


def _torch_call(build: Callable[[Any], Kernel], mode: str, x: np.ndarray, threads: int) -> Any:
    import torch

    torch.set_num_threads(threads)
    f = build(torch)
    tx = torch.from_numpy(x)
    if mode == "forward":
        return lambda: f(tx)

    def with_grads() -> Any:
        leaf = tx.detach().requires_grad_(True)
        y = f(leaf)
        (dy,) = torch.autograd.grad(y.sum(), leaf, create_graph=mode == "derivatives")
        if mode == "vjp":
            return y, dy
        (d2y,) = torch.autograd.grad(dy.sum(), leaf)
        return y, dy, d2y

    return with_grads


def _jax_call(build: Callable[[Any], Kernel], mode: str, x: np.ndarray) -> Any:
    import jax

    jax.config.update("jax_enable_x64", True)
    f = build(jax)
    jx = jax.device_put(x)
    if mode == "forward":
        compiled = jax.jit(f)
    elif mode == "vjp":

        def value_and_vjp(x: Any) -> Any:
            y, pullback = jax.vjp(f, x)
            return y, pullback(jax.numpy.ones_like(y))[0]

        compiled = jax.jit(value_and_vjp)
    else:
        first = jax.grad(lambda x: f(x).sum())
        second = jax.grad(lambda x: first(x).sum())
        compiled = jax.jit(lambda x: (f(x), first(x), second(x)))
    return lambda: jax.block_until_ready(compiled(jx))


def _peak_extra_bytes(call: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    results = result if isinstance(result, tuple) else (result,)
    kept = sum(getattr(item, "nbytes", 0) for item in results)
    return max(int(peak - kept), 0)


def _available(peer: str) -> bool:
    if peer == "numpy":
        return True
    try:
        __import__(peer)
    except ImportError:
        return False
    return True


def measure(
    spec: str,
    mode: str,
    dtype: str,
    size: int,
    *,
    peers: Sequence[str] = PEERS,
    threads: int = 2,
    budget: float = 0.3,
    seed: int = 0,
) -> Measurement:
    """Time one (spec, mode, dtype, size) for nonlin and every available peer."""
    act = get(spec)
    shape = _shape(spec, size)
    x = (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)
    row = Measurement(str(act), mode, dtype, size)
    if mode == "derivatives" and not act.elementwise:
        raise ValueError(f"{act} is not elementwise: benchmark its 'forward' or 'vjp'")
    ours = _ours(spec, mode, x)
    before = engine.get_threads()
    engine.set_threads(threads)  # the same thread count as torch's
    try:
        row.ns_per_element["nonlin"], row.spread["nonlin"] = _time(ours, size, budget)
        row.peak_extra_bytes = _peak_extra_bytes(ours)
    finally:
        engine.set_threads(before)
    naive, torch_build, jax_build = (
        _spelled(table, act) for table in (_NAIVE_BUILDS, _TORCH, _JAX)
    )
    for peer in peers:
        call: Callable[[], Any] | None = None
        if peer == "numpy" and naive is not None and mode == "forward":
            call = functools.partial(naive(np), x)
        elif peer == "torch" and torch_build is not None and _available("torch"):
            call = _torch_call(torch_build, mode, x, threads)
        elif peer == "jax" and jax_build is not None and _available("jax"):
            call = _jax_call(jax_build, mode, x)
        if call is None:
            row.ns_per_element[peer], row.spread[peer] = math.nan, math.nan
            continue
        try:
            with np.errstate(all="ignore"):
                row.ns_per_element[peer], row.spread[peer] = _time(call, size, budget)
        except (RuntimeError, NotImplementedError):
            # The peer cannot do it (torch has no double backward of hardsigmoid): a gap.
            row.ns_per_element[peer], row.spread[peer] = math.nan, math.nan
    return row


def run(
    specs: Sequence[str] | None = None,
    modes: Sequence[str] = MODES,
    dtypes: Sequence[str] = DEFAULT_DTYPES,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    peers: Sequence[str] = PEERS,
    threads: int = 2,
    budget: float = 0.3,
    progress: Callable[[Measurement], None] | None = None,
) -> list[Measurement]:
    """Measure every combination; non-elementwise specs skip the ``derivatives`` mode."""
    rows = []
    for spec in specs if specs is not None else names():
        elementwise = get(spec).elementwise
        for mode in modes:
            if mode == "derivatives" and not elementwise:
                continue
            for dtype in dtypes:
                for size in sizes:
                    row = measure(
                        spec, mode, dtype, size, peers=peers, threads=threads, budget=budget
                    )
                    rows.append(row)
                    if progress is not None:
                        progress(row)
    return rows


# --------------------------------------------------------------------------- reporting


def _cell(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2f}"


def format_table(rows: Sequence[Measurement]) -> str:
    """A Markdown table: ns/element per library, ratio to the fastest peer, peak memory."""
    header = (
        "| spec | mode | dtype | size | nonlin | numpy | torch | jax | ratio | extra MiB |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [header]
    for row in rows:
        ns = row.ns_per_element
        ratio = row.ratio
        flag = "" if not math.isfinite(ratio) or ratio <= 1 else " (slower)"
        memory = "-" if row.peak_extra_bytes is None else f"{row.peak_extra_bytes / 2**20:.1f}"
        lines.append(
            f"| {row.spec} | {row.mode} | {row.dtype} | {row.size:.0e} | {_cell(ns['nonlin'])} "
            f"| {_cell(ns.get('numpy', math.nan))} | {_cell(ns.get('torch', math.nan))} "
            f"| {_cell(ns.get('jax', math.nan))} | {_cell(ratio)}{flag} | {memory} |"
        )
    return "\n".join(lines)


def _finite_or_none(value: Any) -> Any:
    """NaN (a peer that lacks the function) becomes null, which JSON can carry."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(item) for item in value]
    return value


def _sizes(text: str) -> list[int]:
    try:
        return [int(float(item)) for item in text.split(",") if item]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be numbers like 1e3,1e6, not {text!r}"
        ) from None


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``nonlin bench``."""
    parser.add_argument("specs", nargs="*", help="activations to time (default: the catalog)")
    parser.add_argument("--modes", default=",".join(MODES), help="forward,derivatives,vjp")
    parser.add_argument("--dtypes", default=",".join(DEFAULT_DTYPES))
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="e.g. 1e3,1e6")
    parser.add_argument("--threads", type=int, default=2, help="nonlin and torch threads")
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per measurement")
    parser.add_argument("--quick", action="store_true", help="one size (1e5), tiny budget")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_bench_command(args: argparse.Namespace) -> int:
    """Run ``nonlin bench`` from parsed arguments; 0 when every row was measured."""
    modes = [mode for mode in args.modes.split(",") if mode]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        print(f"nonlin bench: unknown mode(s) {unknown}; choose from {MODES}", file=sys.stderr)
        return 2
    sizes = [100_000] if args.quick else args.sizes
    budget = 0.02 if args.quick else args.budget
    specs = args.specs or None
    interactive = sys.stderr.isatty() and not args.json

    def progress(row: Measurement) -> None:
        if interactive:
            print(f"\r{row.spec} {row.mode} {row.dtype} {row.size:.0e}   ", end="", file=sys.stderr)

    rows = run(
        specs,
        modes,
        [dtype for dtype in args.dtypes.split(",") if dtype],
        sizes,
        threads=args.threads,
        budget=budget,
        progress=progress,
    )
    if interactive:
        print(file=sys.stderr)
    if args.json:
        records = [{**asdict(row), "ratio": row.ratio} for row in rows]
        print(json.dumps(_finite_or_none(records), indent=2))
    else:
        print(format_table(rows))
        print(f"\nnonlin's compiled loops: {kernels.build()}.")
        slower = [row for row in rows if math.isfinite(row.ratio) and row.ratio > 1]
        print(f"\n{len(rows) - len(slower)} of {len(rows)} rows at or below the fastest peer.")
    return 0
