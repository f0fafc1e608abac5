"""Every catalog activation on every array library: same library, dtype, shape and device
out as in, and the same numbers as NumPy's float64 evaluation, at the tails too.

The reference is nonlin's own NumPy float64 result (itself checked against 50-digit
mpmath tables in ``tests/test_accuracy.py``) rounded once to the tested dtype; a backend
must land within :data:`BOUND` representable numbers of it, float32 computed natively
(torch, JAX, CuPy) included. Two kinds of points are exempt: subnormal results that JAX
flushes to 0, and the ill-conditioned points of a row operation's vjp and jvp, where the
bound is widened by what the cancellation in ``dy - <s, dy>`` forces on any evaluation
(:func:`conditioning`). Measured exceptions beyond those would be listed in
:data:`ALLOWANCES` with the reason; there are none.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np
import pytest
from _backends import (
    BACKENDS,
    Backend,
    as_matrix,
    backend_fixture,  # noqa: F401 (the fixture, for pytest to find)
    flushed,
    load_backend,
    required_backends,
    tail_grid,
    ulp_distance,
)
from _shared import compute_natively

import nonlin as nl


def _seeded(act: nl.Activation) -> nl.Activation:
    """Learnable activations get their own parameters from a fixed seed (reproducible)."""
    if getattr(act, "learnable", False):
        act = act.clone()  # type: ignore[attr-defined]
        act.init_params(rng=0)  # type: ignore[attr-defined]
    return act


CATALOG = [_seeded(nl.get(name)) for name in nl.names()]
METHODS = ("fn", "grad", "grad2", "vjp", "jvp")
BOUND = 2  # representable numbers between a backend's result and the rounded reference
# Row operations' vjp and jvp: the bound grows by CONDITIONING * eps times the size of
# the terms that cancel (see :func:`conditioning`).
CONDITIONING = 2  # 1 suffices on every backend today

# (activation, dtype, backend) -> (bound, why), "*" matching anything: the measured
# exceptions to BOUND. Empty: gelu, silu, snake, swish_learnable, mish, pau and maxout
# needed 5 to 1e8 ulp here in float32, and gelu 6 in float64 (scipy's erfcx), before
# their formulas were mended.
ALLOWANCES: dict[tuple[str, str, str], tuple[float, str]] = {}
# Activations that raise on a backend: (activation, backend) -> the catalog bug
# (expected to fail; the catalog fixes of learnable.py emptied this table).
BROKEN: dict[tuple[str, str], str] = {}


def allowance(act: nl.Activation, dtype: str, backend: str) -> float:
    """The ulp bound for one activation, dtype and backend."""
    for key in ((act.name, dtype, backend), (act.name, dtype, "*")):
        if key in ALLOWANCES:
            return max(ALLOWANCES[key][0], BOUND)
    return BOUND


def methods(act: nl.Activation) -> tuple[str, ...]:
    return METHODS if act.elementwise else ("fn", "vjp", "jvp")


def evaluate(act: nl.Activation, method: str, x: Any, dy: Any) -> Any:
    if method in ("vjp", "jvp"):
        return getattr(act, method)(x, dy)
    return getattr(act, method)(x)


def cotangent(x: np.ndarray) -> np.ndarray:
    """A dy (or v) of small exact values, varying so that vjp is not just grad."""
    return np.resize(np.array([1.0, -0.5, 2.0, 0.25, -1.5]), x.size).reshape(x.shape)


def test_required_backends_load() -> None:
    """A backend named in NONLIN_REQUIRE_BACKENDS must load (its tests would skip)."""
    unknown = [name for name in required_backends() if name not in BACKENDS]
    assert not unknown, f"NONLIN_REQUIRE_BACKENDS names unknown backends {unknown}"
    missing = [load_backend(name) for name in required_backends()]
    problems = [reason for reason in missing if isinstance(reason, str)]
    assert not problems, "; ".join(problems)


def jacobian(act: nl.Activation, points: np.ndarray) -> np.ndarray:
    """The NumPy float64 Jacobian of a row operation along the last axis, per row:
    ``J[..., i, j] = d f_i / d x_j`` (columns from jvp with unit tangents)."""
    columns = []
    for j in range(points.shape[-1]):
        unit = np.zeros_like(points)
        unit[..., j] = 1.0
        columns.append(np.asarray(act.jvp(points, unit)))
    return np.nan_to_num(np.stack(columns, axis=-1), nan=0.0, posinf=0.0, neginf=0.0)


def conditioning(
    act: nl.Activation,
    method: str,
    points: np.ndarray,
    operand: np.ndarray,
    reference: np.ndarray,
    dtype: str,
) -> np.ndarray:
    """For a row operation's vjp or jvp: the error, in ulp of the reference, that
    ``CONDITIONING`` roundings of the terms that cancel would make: ``c eps`` times the
    excess of ``|J|^T |dy|`` (vjp; ``|J| |v|`` for jvp) over the result's magnitude,
    which is 0 where nothing cancels; 0 for every other method.

    These results subtract a weighted row sum from each entry (softmax's vjp is
    ``s * (dy - <s, dy>)``). Where the two nearly cancel, an error of one ulp in ``s``
    or in the sum (which libraries add up in different orders) is magnified: no
    evaluation in the tested dtype is within 2 ulp there, NumPy's float64 reference
    included (6 to 19 ulp from 60-digit mpmath on this grid). The slack is the standard
    forward error bound of such a sum, a few rounding units of its terms' magnitudes.
    """
    if act.elementwise or method not in ("vjp", "jvp"):
        return np.zeros(reference.shape)
    j = np.abs(jacobian(act, points))
    if method == "vjp":
        size = np.einsum("...i,...ij->...j", np.abs(operand), j)
    else:
        size = np.einsum("...ij,...j->...i", j, np.abs(operand))
    eps = float(np.finfo(dtype).eps)
    tiny = float(np.finfo(dtype).smallest_subnormal)
    with np.errstate(over="ignore"):  # a huge slack is as good as inf
        spacing = np.spacing(np.abs(reference).astype(dtype)).astype(np.float64)
        # 0 where nothing cancels (and where the result is infinite: inf - inf)
        cancelled = np.nan_to_num(np.maximum(size - np.abs(reference), 0.0), nan=0.0)
        slack = CONDITIONING * eps * cancelled / np.maximum(spacing, tiny)
    return np.nan_to_num(slack, nan=0.0)  # spacing(inf) is nan: no slack at inf


def measure(act: nl.Activation, backend: Backend, dtype: str) -> dict[str, tuple[float, str]]:
    """Per method: the largest distance from the rounded NumPy float64 reference on the
    tail grid, and where it occurs. Every result is checked to be an array of the
    backend's library, with the input's dtype and device and the reference's shape."""
    points = as_matrix(tail_grid(dtype))
    x = backend.asarray(points, dtype)
    worst: dict[str, tuple[float, str]] = {}
    cases = [(method, method) for method in methods(act)]
    if act.elementwise:  # the fused pass, each of its three results
        cases += [(f"derivatives[{i}]", method) for i, method in enumerate(METHODS[:3])]
    fused = act.derivatives(x) if act.elementwise else ()
    lazy, references, slack = [], [], []
    for label, method in cases:
        operand = cotangent(points)
        if method == "vjp":  # dy is shaped like f(x) (glu halves an axis)
            operand = cotangent(np.asarray(act(points)))
        reference = np.asarray(evaluate(act, method, points, operand))
        slack.append(conditioning(act, method, points, operand, reference, dtype))
        with np.errstate(over="ignore"):
            references.append(reference.astype(backend.numpy_dtype(dtype)))
        if label.startswith("derivatives"):
            y = fused[int(label[-2])]
        else:
            y = evaluate(act, method, x, backend.asarray(operand, dtype))
        assert array_api_compat.array_namespace(y) is backend.xp, label
        assert y.dtype == x.dtype, label
        assert array_api_compat.device(y) == array_api_compat.device(x), label
        lazy.append(y)
    results = backend.to_numpy_all(lazy)
    for (label, _), ours, reference, forced in zip(cases, results, references, slack):
        assert ours.shape == reference.shape, (label, ours.shape, reference.shape)
        distance = ulp_distance(ours, reference)
        finite = np.isfinite(distance)  # nan against a number stays inf, slack or not
        distance[finite] = np.maximum(distance[finite] - forced[finite], 0.0)
        distance[flushed(backend, dtype, points, reference)] = 0
        at = np.unravel_index(np.argmax(distance), distance.shape)
        where = f"x={points[at]!r}: {ours[at]!r} vs {reference[at]!r}"
        assert not np.isnan(distance).any(), label  # a NaN distance would pass any bound
        worst[label] = (float(distance[at]), where)
    return worst


@pytest.mark.parametrize("act", CATALOG, ids=str)
def test_catalog_agrees_with_numpy_float64(
    act: nl.Activation, backend: Backend, request: pytest.FixtureRequest
) -> None:
    """f, f', f'', vjp, jvp and the fused derivatives, in float64 and float32: the
    backend's own arrays come back, within the bound of the rounded NumPy result."""
    if (act.name, backend.name) in BROKEN:
        request.applymarker(pytest.mark.xfail(reason=BROKEN[act.name, backend.name]))
    failures = []
    dtypes = ["float64", "float32"]
    if backend.name == "dask" and not act._pointwise():
        # Dask computes float32 in float64 as NumPy does: one dtype suffices for the
        # slow part (row operations build large graphs); test_dask.py does the rest.
        dtypes = ["float64"]
    for dtype in dtypes:
        for label, (distance, where) in measure(act, backend, dtype).items():
            bound = allowance(act, dtype, backend.name)
            if distance > bound:
                failures.append(f"{label} {dtype}: {distance:g} ulp > {bound:g} at {where}")
    assert not failures, f"{act} on {backend}:\n" + "\n".join(failures)


# NumPy's own float32 exp and log (SIMD) are up to 2 and 3 ulp off, and the native
# float32 formulas inherit that; torch's and XLA's meet BOUND.
NUMPY_FLOAT32_BOUND = 3


@pytest.mark.parametrize("act", CATALOG, ids=str)
def test_native_float32_formulas_keep_to_the_standard(
    act: nl.Activation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """array-api-strict float32 is computed in float64 as NumPy's is (it is NumPy
    underneath); computed natively instead, it exercises the float32 formulas that
    torch, JAX and CuPy run, with nothing but the standard's functions."""
    import nonlin.namespace

    backend = load_backend("array_api_strict")
    if isinstance(backend, str):
        pytest.skip(backend)
    compute_natively(monkeypatch, backend.xp)
    assert nonlin.namespace.prepare(backend.asarray(np.ones(2), "float32")).x.dtype == (
        backend.xp.float32
    )
    failures = [
        f"{label}: {distance:g} ulp > {NUMPY_FLOAT32_BOUND} at {where}"
        for label, (distance, where) in measure(act, backend, "float32").items()
        if distance > NUMPY_FLOAT32_BOUND
    ]
    assert not failures, f"{act}, natively in float32:\n" + "\n".join(failures)


def test_special_functions_keep_the_library(backend: Backend) -> None:
    from nonlin import special

    x = backend.asarray(np.array([-30.0, -1.0, 0.0, 0.5, 3.0, 30.0]))
    for function, scipy_name in ((special.erf, "erf"), (special.erfc, "erfc")):
        y = function(x, backend.xp)
        assert array_api_compat.array_namespace(y) is backend.xp
        scipy_special = pytest.importorskip("scipy.special")
        expected = getattr(scipy_special, scipy_name)(backend.to_numpy(x))
        np.testing.assert_allclose(backend.to_numpy(y), expected, rtol=4e-16, atol=0)


@pytest.mark.parametrize("spec", ["softmax", "norm:z", "glu"])
def test_a_row_vjp_keeps_a_cotangent_near_the_float32_limit(spec: str, backend: Backend) -> None:
    """The cotangent is scaled by a power of two near its largest entry first; its
    inverse must stay normal (2**-127 is subnormal, and JAX flushed it to 0, giving a
    vjp of zeros for dy = 2e38)."""
    act = nl.get(spec)
    x = np.array([[0.5, 1.0, -2.0, 3.0]])
    dy = np.array([[2e38, 1.0, -3.0, 0.5]])[:, : act._output_shape(x.shape)[-1]]
    x, dy = (np.asarray(a, dtype=np.float32).astype(np.float64) for a in (x, dy))
    reference = np.asarray(act.vjp(x, dy)).astype(np.float32)
    ours = backend.to_numpy(act.vjp(backend.asarray(x, "float32"), backend.asarray(dy, "float32")))
    assert np.abs(reference).max() > 1e35
    # float32 sums of products (<s, dy>) of float32 factors: a few roundings, not 0s.
    assert ulp_distance(ours, reference).max() <= 4, (ours, reference)
