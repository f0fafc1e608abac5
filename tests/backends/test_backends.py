"""Every catalog activation on every array library: same library, dtype, shape and device
out as in, and the same numbers as NumPy's float64 evaluation, at the tails too.

The reference is nonlin's own NumPy float64 result (itself checked against 50-digit
mpmath tables in ``tests/test_accuracy.py``) rounded once to the tested dtype; a backend
must land within :data:`BOUND` representable numbers of it. The few places where a
backend legitimately cannot (float32 computed natively loses more in a formula that
cancels, JAX flushes subnormals) are listed in :data:`ALLOWANCES` with the reason.
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
# Float32 is computed in float64 on NumPy and on Dask's NumPy chunks (design.md, Dtypes),
# in float32 on these: their results carry the formula's own float32 rounding errors.
NATIVE_FLOAT32 = ("array_api_strict", "torch", "jax", "cupy")

# (activation, dtype, backend) -> (bound, why), "*" matching anything: the measured
# exceptions to the bounds of :func:`allowance`. "(reported)" marks a catalog bug.
# (gelu, silu, snake and swish_learnable float32 needed 90, 6, 48 and 45 ulp here
# before their roots and subnormal tails were handled in float32 too; now at most 2-3.)
ALLOWANCES: dict[tuple[str, str, str], tuple[float, str]] = {
    ("gelu", "float64", "jax"): (
        6,
        "the reference is off, not JAX: f'(-1e-8) is 0.4999999920211544 (JAX, and exact) "
        "but 0.4999999920211541 on NumPy, whose scipy erfcx(7.07e-9) is 6 ulp low (reported)",
    ),
    ("maxout", "float32", "*"): (16, "its float64 slopes and offsets are rounded to float32"),
}
# Activations that raise on a backend: (activation, backend) -> the catalog bug
# (expected to fail; the catalog fixes of learnable.py emptied this table).
BROKEN: dict[tuple[str, str], str] = {}


def allowance(act: nl.Activation, method: str, dtype: str, backend: str) -> float:
    """The ulp bound for one case."""
    bound: float = BOUND
    if dtype == "float32" and backend in NATIVE_FLOAT32:
        bound = 3  # a few float32 roundings, against a correctly rounded reference
    # JAX: XLA's exp, expm1, tanh and hypot (1 to 7 ulp off) are replaced by nonlin's
    # (nonlin.special.JAX_OVERRIDES, within 1 ulp), so it needs no bound of its own.
    if not act.elementwise and backend != "numpy":
        # A row operation sums along its axis, in a different order on each library
        # (pairwise, vectorised, chunk by chunk); vjp and jvp then subtract that sum
        # (dy - <dy, s>), which magnifies the difference where the two nearly cancel.
        bound = max(bound, 64 if method in ("vjp", "jvp") else 8)
    for key in ((act.name, dtype, backend), (act.name, dtype, "*")):
        if key in ALLOWANCES:
            return max(ALLOWANCES[key][0], bound)
    return bound


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
    lazy, references = [], []
    for label, method in cases:
        operand = cotangent(points)
        if method == "vjp":  # dy is shaped like f(x) (glu halves an axis)
            operand = cotangent(np.asarray(act(points)))
        reference = np.asarray(evaluate(act, method, points, operand))
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
    for (label, _), ours, reference in zip(cases, backend.to_numpy_all(lazy), references):
        assert ours.shape == reference.shape, (label, ours.shape, reference.shape)
        distance = ulp_distance(ours, reference)
        distance[flushed(backend, dtype, points, reference)] = 0
        at = np.unravel_index(np.argmax(distance), distance.shape)
        where = f"x={points[at]!r}: {ours[at]!r} vs {reference[at]!r}"
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
            bound = allowance(act, label.split("[")[0], dtype, backend.name)
            if distance > bound:
                failures.append(f"{label} {dtype}: {distance:g} ulp > {bound:g} at {where}")
    assert not failures, f"{act} on {backend}:\n" + "\n".join(failures)


def test_special_functions_keep_the_library(backend: Backend) -> None:
    from nonlin import special

    x = backend.asarray(np.array([-30.0, -1.0, 0.0, 0.5, 3.0, 30.0]))
    for function, scipy_name in ((special.erf, "erf"), (special.erfc, "erfc")):
        y = function(x, backend.xp)
        assert array_api_compat.array_namespace(y) is backend.xp
        scipy_special = pytest.importorskip("scipy.special")
        expected = getattr(scipy_special, scipy_name)(backend.to_numpy(x))
        np.testing.assert_allclose(backend.to_numpy(y), expected, rtol=4e-16, atol=0)
