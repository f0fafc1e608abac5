"""The compiled loops: the smooth and piecewise activations on NumPy arrays, without
temporaries.

NumPy's float64 exp, expm1, log1p and tanh are scalar library calls on CPUs without
AVX-512 (5-14 ns per element), and a formula of ten NumPy operations reads and writes
memory ten times. The optional extension ``nonlin._kernels`` (C sources in ``csrc/``)
evaluates a whole formula per element in one vectorised loop, on its own float64 exp,
expm1 and log1p, and rounds once: float32 results equal the array-API path's (float32
computed in float64 and rounded once), at 1-3 ns per element.

It is used for NumPy float arrays of an activation that has a compiled family (see
:func:`families`), with the parameter values that family covers; everything else, and
every other array library, takes the array-API path. Where the extension did not build
(no C compiler), everything takes that path, with the same results.

``NONLIN_KERNELS=0`` in the environment, or :func:`set_enabled`, turns the loops off:
the tests compare both paths this way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from itertools import groupby
from typing import Any, NamedTuple

import numpy as np

try:
    from . import _kernels  # type: ignore[attr-defined]
except ImportError:  # not built: the array-API path serves everything
    _kernels = None

__all__ = [
    "ChainLoop",
    "Loop",
    "RowChainSegment",
    "RowLoop",
    "UnitLoop",
    "available",
    "build",
    "disabled",
    "enabled",
    "families",
    "lookup",
    "lookup_row_chain",
    "lookup_rows",
    "lookup_units",
    "set_enabled",
    "threaded",
]

# The hooks a compiled family implements, by the number the extension knows them by.
# An elementwise jvp is f'(x) v, the vjp's product.
HOOKS = {"_f": 0, "_df": 1, "_d2f": 2, "_derivatives": 3, "_vjp": 4, "_jvp": 4}
_DTYPES = {np.dtype(np.float32): 2, np.dtype(np.float64): 3}  # index into a families() entry

_enabled = os.environ.get("NONLIN_KERNELS", "1") not in ("0", "off", "false", "no")


class Loop(NamedTuple):
    """One compiled loop: ``run(index, hook, params, threads, *arrays)`` of the
    extension."""

    family: int  # the extension's number for the family
    hook: int
    params: tuple[float, ...]

    def __call__(self, *arrays: np.ndarray, threads: int = 1) -> None:
        _kernels.run(self.family, self.hook, self.params, threads, *arrays)

    def bound(self) -> Callable[..., None]:
        """The loop as ``run(threads, *arrays)``: one C call, no Python frame."""
        return partial(_kernels.run, self.family, self.hook, self.params)


class ChainLoop(NamedTuple):
    """A chain of compiled elementwise loops run a block at a time (csrc/chain.h):
    ``run_chain(stages, hook, threads, *arrays)`` of the extension. It computes in
    float64 whatever the arrays' dtypes: float32 input is widened, results are rounded
    once."""

    stages: tuple[tuple[int, tuple[float, ...]], ...]  # (family, params) of each stage
    hook: int

    def __call__(self, *arrays: np.ndarray, threads: int = 1) -> None:
        _kernels.run_chain(self.stages, self.hook, threads, *arrays)

    def bound(self) -> Callable[..., None]:
        """The chain as ``run(threads, *arrays)``: one C call, no Python frame."""
        return partial(_kernels.run_chain, self.stages, self.hook)


def available() -> bool:
    """Whether the compiled extension was built and imported."""
    return _kernels is not None


def threaded() -> bool:
    """Whether a loop shares its work out to the extension's own threads (POSIX
    threads; elsewhere nonlin.engine does it from Python, at some 40 microseconds
    more per call)."""
    return _kernels is not None and bool(_kernels.threads())


def enabled() -> bool:
    """Whether the compiled loops are in use (built, and not turned off)."""
    return _kernels is not None and _enabled


def build() -> str:
    """Which loops run: ``"avx2+fma"`` or ``"baseline"`` (compiled for any CPU of the
    architecture), ``"off"`` (turned off) or ``"not built"``."""
    if _kernels is None:
        return "not built"
    return str(_kernels.build()) if _enabled else "off"


def set_enabled(flag: bool) -> None:
    """Use the compiled loops (``True``, the default where built) or not."""
    global _enabled
    _enabled = bool(flag)
    lookup.cache_clear()
    lookup_rows.cache_clear()
    lookup_row_chain.cache_clear()
    lookup_units.cache_clear()


@contextmanager
def disabled() -> Iterator[None]:
    """Run the ``with`` block on the array-API path alone."""
    before = _enabled
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)


def families() -> dict[str, tuple[int, int, tuple[bool, ...], tuple[bool, ...]]]:
    """The compiled families: ``name -> (index, parameter count, float32 hooks,
    float64 hooks)``, the hooks flagged in the order f, f', f'', all three, vjp."""
    return dict(_families()) if _kernels is not None else {}


@lru_cache(maxsize=1)
def _families() -> dict[str, tuple[int, int, tuple[bool, ...], tuple[bool, ...]]]:
    return dict(_kernels.families())


Resolver = Callable[[dict[str, Any]], "tuple[str, tuple[float, ...]] | None"]


def _fixed(family: str, **required: Any) -> Resolver:
    """A family that covers only the given parameter values (none passed to C)."""

    def resolve(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
        if set(params) != set(required):
            return None
        if any(params[name] != value for name, value in required.items()):
            return None
        return family, ()

    return resolve


def _passed(family: str, *names: str, infinite: tuple[str, ...] = ()) -> Resolver:
    """A family that takes the given parameters as floats, in this order: finite, or
    also infinite for those named in ``infinite``."""

    def resolve(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
        if set(params) != set(names):
            return None
        values = [params[name] for name in names]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
            return None
        if any(
            math.isnan(v) or (math.isinf(v) and name not in infinite)
            for name, v in zip(names, map(float, values))
        ):
            return None
        return family, tuple(float(v) for v in values)

    return resolve


def _scaled_tanh(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
    found = _passed("scaled_tanh", "scale_in", "scale_out")(params)
    if found is None:
        return None
    scale_in, scale_out = found[1]
    # Beyond this the wide forms switch to their double-double branch, which the loops
    # do not have (ScaledTanh._wide_derivatives).
    if abs(scale_out * scale_in) * max(1.0, abs(scale_in)) > 2.0**100:
        return None
    # Below this f' is subnormal for ordinary x, and a large cotangent magnifies the
    # two paths' different (each correct) roundings of it: no loop for such scales.
    if 0 < abs(scale_out * scale_in) * min(1.0, abs(scale_in)) < 1e-200:
        return None
    return found


def _constant(family: str, *values: float) -> Resolver:
    """A family for an activation without parameters, given fixed ``values`` (the
    hard sigmoids are one ramp with three widths)."""

    def resolve(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
        return (family, values) if not params else None

    return resolve


def _leaky(slope: float) -> tuple[str, tuple[float, ...]]:
    """The piecewise family of max(x, slope x)-like functions, by the slope's regime
    (the Python formula differs between them: catalog.rectifiers._leaky)."""
    if slope == 0:
        return "relu", ()
    return ("leaky_relu" if slope <= 1 else "leaky_relu_steep"), (slope,)


def _relu(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
    found = _passed(
        "relu_general", "negative_slope", "max_value", "threshold", infinite=("max_value",)
    )(params)
    if found is None:
        return None
    slope, ceiling, threshold = found[1]
    if threshold == 0 and ceiling == math.inf and slope <= 1:
        return _leaky(slope)  # ReLU._f's and ._df's fast forms
    return found


def _leaky_relu(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
    found = _passed("leaky_relu", "negative_slope")(params)
    return None if found is None else _leaky(found[1][0])


def _shrink(family: str) -> Resolver:
    """hard_shrink and soft_shrink: the identity where lambda is 0."""

    def resolve(params: dict[str, Any]) -> tuple[str, tuple[float, ...]] | None:
        found = _passed(family, "lambd")(params)
        return ("linear", ()) if found is not None and found[1][0] == 0 else found

    return resolve


_clip = _passed("clip", "min_val", "max_val", infinite=("min_val", "max_val"))

# activation (canonical name) -> how its parameters pick a compiled family. A family
# is only used for the parameter sets it names: any other value takes the Python path.
RESOLVERS: dict[str, Resolver] = {
    # csrc/sigmoidal.c
    "sigmoid": _fixed("sigmoid"),
    "tanh": _fixed("tanh"),
    "log_sigmoid": _fixed("log_sigmoid"),
    "tanh_shrink": _fixed("tanh_shrink"),
    "softsign": _fixed("softsign"),
    "scaled_tanh": _scaled_tanh,
    # csrc/smooth.c
    "softplus": _passed("softplus", "beta", "threshold", infinite=("threshold",)),
    "silu": _fixed("silu"),
    "mish": _fixed("mish"),
    "squareplus": _passed("squareplus", "b"),
    # csrc/gelu.c
    "gelu": lambda params: (
        _fixed("gelu", approximate="none")(params)
        or _fixed("gelu_tanh", approximate="tanh")(params)
    ),
    # csrc/exponential.c
    "elu": _passed("elu", "alpha"),
    "selu": _passed("selu", "scale", "alpha"),
    "celu": _passed("celu", "alpha"),
    "exponential": _fixed("exponential"),
    # csrc/piecewise.c
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "relu6": _constant("clip", 0.0, 6.0),
    "clip": _clip,
    "hard_tanh": _clip,
    "threshold": _passed("threshold", "threshold", "value"),
    "hard_shrink": _shrink("hard_shrink"),
    "soft_shrink": _shrink("soft_shrink"),
    "hard_sigmoid": _constant("ramp", 2.5),
    "hard_sigmoid_v3": _constant("ramp", 3.0),
    "sparse_sigmoid": _constant("ramp", 1.0),
    "hard_silu": _fixed("hard_silu"),
    "sparse_plus": _fixed("sparse_plus"),
    "linear": _fixed("linear"),
    "affine": _passed("affine", "slope", "intercept"),
}

# A family with a ":wide" twin computes float32 in float32 itself, as the Python path
# does for an activation that is exact there (engine._native: its parameters held
# exactly by float32); the twin computes in float64 and rounds once, as the path does
# for any other parameters.
WIDE = ":wide"


class RowLoop(NamedTuple):
    """One compiled row loop: ``run_rows(index, hook, params, threads, x, [v,] y,
    skipped)`` of the extension."""

    family: int
    hook: int
    params: tuple[float, ...]

    def __call__(self, *arrays: np.ndarray, threads: int = 1) -> int:
        """Run the loop; the number of rows it left (flagged in ``skipped``)."""
        return int(_kernels.run_rows(self.family, self.hook, self.params, threads, *arrays))

    def bound(self) -> Callable[..., int]:
        """The loop as ``run(threads, x, [v,] y, skipped)``: one C call, no Python frame."""
        return partial(_kernels.run_rows, self.family, self.hook, self.params)


# The row hooks a row family implements, by the number the extension knows them by.
ROW_HOOKS = {"_f": 0, "_vjp": 1, "_jvp": 2}
# Row activations (canonical name) with row loops (csrc/rows.c), and the parameters
# they pass (finite floats >= 0, in this order; every "axis" is -1 in the rows form).
ROW_FAMILIES: dict[str, tuple[str, ...]] = {
    "softmax": (),
    "softmin": (),
    "log_softmax": (),
    "norm:mean": (),
    "norm:std": ("eps",),
    "norm:z": ("eps",),
    "standardize": ("epsilon",),
    "glu": (),
}


@lru_cache(maxsize=1)
def _row_families() -> dict[str, tuple[int, int, tuple[bool, ...], tuple[bool, ...]]]:
    """``name -> (index, parameter count, float32 hooks, float64 hooks)``, the hooks
    flagged in the order f, vjp, jvp."""
    return dict(_kernels.row_families())


@lru_cache(maxsize=1024)
def lookup_rows(act: Any, hook: str, dtype: np.dtype) -> RowLoop | None:
    """The compiled row loop for ``hook`` of ``act`` on float32 or float64 rows along
    the last axis, or None. ``act`` is the engine's rows form (every ``axis`` -1)."""
    if not enabled() or hook not in ROW_HOOKS or dtype not in _DTYPES:
        return None
    stages = list(act.iter_stages())
    if len(stages) != 1 or not type(stages[0]).__module__.startswith("nonlin.catalog."):
        return None
    name = getattr(type(stages[0]), "name", "")
    names = ROW_FAMILIES.get(name)
    given = stages[0].params_dict()
    if names is None or set(given) != {"axis", *names} or given["axis"] != -1:
        return None
    values = [given[n] for n in names]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        return None
    entry = _row_families().get(name)
    if entry is None:
        return None
    index, count, float32, float64 = entry
    if count != len(values) or not (float32 if dtype == np.float32 else float64)[ROW_HOOKS[hook]]:
        return None
    return RowLoop(index, ROW_HOOKS[hook], tuple(float(v) for v in values))


@lru_cache(maxsize=1024)
def lookup(act: Any, hook: str, dtype: np.dtype) -> Loop | ChainLoop | None:
    """The compiled loop for ``hook`` of ``act`` on ``dtype`` arrays, or None: a
    :class:`ChainLoop` for a chain of activations that each have float64 loops."""
    if not enabled() or hook not in HOOKS or dtype not in _DTYPES:
        return None
    if type(act).__module__ == "nonlin.chain":
        # every stage's float64 family: a float32 chain is computed in float64, as the
        # array-API path computes it, and rounded once
        return _chain_loop(tuple(act.iter_stages()), hook)
    resolve = RESOLVERS.get(getattr(type(act), "name", ""))
    if resolve is None or not type(act).__module__.startswith("nonlin.catalog."):
        return None  # a user's subclass may change the formula
    found = resolve(act.params_dict())
    if found is None:
        return None
    family, params = found
    if family + WIDE in _families() and dtype == np.float32:
        from .engine import _native  # (engine imports this module)

        family += "" if _native(act, dtype) else WIDE
    entry = _families().get(family)
    if entry is None:
        return None
    index, count, *flags = entry
    hook_number = HOOKS[hook]
    if count != len(params) or not flags[_DTYPES[dtype] - 2][hook_number]:
        return None
    return Loop(index, hook_number, params)


# The hooks of a chain (csrc/chain.h): a chain's jvp is not its vjp (the stages run
# the other way round).
CHAIN_HOOKS = {"_f": 0, "_df": 1, "_d2f": 2, "_derivatives": 3, "_vjp": 4, "_jvp": 5}
CHAIN_MAX = 16  # stages (NL_CHAIN_MAX)
# Which float64 loops (f, f', f'', all three, vjp) each chain hook runs in every stage.
_CHAIN_NEEDS = {0: (0,), 1: (0, 1), 2: (3,), 3: (3,), 4: (0, 4), 5: (0, 4)}


def _chain_loop(stages: tuple[Any, ...], hook: str) -> ChainLoop | None:
    """The compiled loop of elementwise ``stages`` applied in turn (one or more)."""
    if len(stages) > CHAIN_MAX:
        return None
    number = CHAIN_HOOKS[hook]
    found = []
    for stage in stages:
        loop = lookup(stage, "_f", np.dtype(np.float64))
        if not isinstance(loop, Loop):
            return None
        flags = _families_by_index()[loop.family]
        if not all(flags[need] for need in _CHAIN_NEEDS[number]):
            return None
        found.append((loop.family, loop.params))
    return ChainLoop(tuple(found), number)


@lru_cache(maxsize=1)
def _families_by_index() -> dict[int, tuple[bool, ...]]:
    """A family's float64 hooks (f, f', f'', all three, vjp), by its index."""
    return {index: float64 for index, _, _, float64 in _families().values()}


class RowChainSegment(NamedTuple):
    """A part of a chain along the last axis: one row stage (softmax, norm:*) with its
    row loops, or a run of elementwise stages (``stage`` None) with a chain loop. ``f``
    carries the values on to the next segment (None for the last one where ``hook``
    does not need it)."""

    stage: Any
    f: RowLoop | ChainLoop | None
    hook: RowLoop | ChainLoop


@lru_cache(maxsize=1024)
def lookup_row_chain(act: Any, hook: str) -> tuple[RowChainSegment, ...] | None:
    """The compiled segments of a chain with row stages (``"tanh+norm:z"``, the
    engine's rows form), all float64 loops, or None where one is missing: a float32
    chain is computed in float64, as the array-API path computes it, and rounded once.
    """
    if not enabled() or hook not in ROW_HOOKS or type(act).__module__ != "nonlin.chain":
        return None
    wide = np.dtype(np.float64)
    # (row stage or None, the stages): each run of pointwise stages, each row stage
    parts: list[tuple[Any, tuple[Any, ...]]] = []
    for pointwise, run in groupby(act.iter_stages(), key=_pointwise_stage):
        stages = tuple(run)
        parts += [(None, stages)] if pointwise else [(stage, (stage,)) for stage in stages]
    segments = []
    for position, (row_stage, stages) in enumerate(parts):
        carries = position < len(parts) - 1
        found: tuple[RowLoop | ChainLoop | None, ...]
        if row_stage is None:
            found = (_chain_loop(stages, "_f"), _chain_loop(stages, hook))
        else:
            found = (lookup_rows(row_stage, "_f", wide), lookup_rows(row_stage, hook, wide))
        if found[1] is None or (carries and found[0] is None):
            return None
        segments.append(RowChainSegment(row_stage, found[0] if carries else None, found[1]))
    return tuple(segments)


def _pointwise_stage(stage: Any) -> bool:
    return bool(stage.elementwise) and getattr(stage, "axis", None) is None


def _prelu_values(act: Any) -> np.ndarray:
    return np.asarray(act.params["slope"], dtype=np.float64).reshape(1, -1)


def _lgrelu_values(act: Any) -> np.ndarray:
    # the path's slopes: NumPy's exp of each learned value (+ 0, as it adds zeros)
    leak = np.exp(np.asarray(act.params["leak"], dtype=np.float64).reshape(-1) + 0.0)
    if not act.learn_gain:
        return np.stack([np.ones_like(leak), leak])
    gain = np.exp(np.asarray(act.params["gain"], dtype=np.float64).reshape(-1) + 0.0)
    return np.stack([gain, leak])


def _elu_learnable_values(act: Any) -> np.ndarray:
    # the path's alpha: the learned value, or NumPy's exp of the learned gain
    if act.log:
        return np.exp(np.asarray(act.params["gain"], dtype=np.float64).reshape(1, -1) + 0.0)
    return np.asarray(act.params["alpha"], dtype=np.float64).reshape(1, -1)


def _snake_values(act: Any) -> np.ndarray:
    return np.asarray(act.params["alpha"], dtype=np.float64).reshape(1, -1)


# Activations with learned values per unit that have unit loops (csrc/units.c), by
# canonical name: the float64 values a loop takes, one row per value, one column per
# unit (one column where they are shared).
UNIT_FAMILIES: dict[str, Callable[[Any], np.ndarray]] = {
    "prelu": _prelu_values,
    "lgrelu": _lgrelu_values,
    "elu_learnable": _elu_learnable_values,
    "snake": _snake_values,
}


class UnitLoop(NamedTuple):
    """One compiled unit loop: ``run_units(index, hook, threads, values, outer, units,
    inner, *arrays)`` of the extension, for arrays seen as ``(outer, units, inner)``
    (see :meth:`bind`)."""

    family: int
    hook: int
    values_of: Callable[[Any], np.ndarray]  # the activation's values, (values, units)

    def bind(self, values: np.ndarray, outer: int, units: int, inner: int) -> BoundUnitLoop:
        """The loop for one layout and one set of float64 values (``units`` columns)."""
        return BoundUnitLoop(self, values, outer, units, inner)


class BoundUnitLoop(NamedTuple):
    """A unit loop with its values and layout, called as a :class:`Loop` is."""

    loop: UnitLoop
    values: np.ndarray
    outer: int
    units: int
    inner: int
    # Shares of the flat arrays would lose the layout: only the extension's own
    # threads may split the work (it knows where each unit begins).
    shareable: bool = False

    def __call__(self, *arrays: np.ndarray, threads: int = 1) -> None:
        loop = self.loop
        _kernels.run_units(
            loop.family,
            loop.hook,
            threads,
            self.values,
            self.outer,
            self.units,
            self.inner,
            *arrays,
        )


@lru_cache(maxsize=1024)
def lookup_units(act: Any, hook: str, dtype: np.dtype) -> UnitLoop | None:
    """The compiled unit loop for ``hook`` of a learnable ``act`` (prelu, lgrelu,
    elu_learnable, snake), or None."""
    if not enabled() or hook not in HOOKS or dtype not in _DTYPES:
        return None
    if not type(act).__module__.startswith("nonlin.catalog."):
        return None
    name = getattr(type(act), "name", "")
    index = _unit_families().get(name)
    if name not in UNIT_FAMILIES or index is None:
        return None
    return UnitLoop(index, HOOKS[hook], UNIT_FAMILIES[name])


@lru_cache(maxsize=1)
def _unit_families() -> dict[str, int]:
    return dict(_kernels.unit_families())
