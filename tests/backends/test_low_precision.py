"""float16 and bfloat16: computed in float32 (float64 on NumPy and Dask), rounded once.

Each result must be within 1 ulp of the NumPy float64 result rounded to the dtype (the
rounding of a float32 computation may land on the other neighbour), and, where the
library computes in float32, exactly its own float32 result rounded once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _backends import (
    Backend,
    as_matrix,
    backend_fixture,  # noqa: F401 (the fixture, for pytest to find)
    flushed,
    tail_grid,
    ulp_distance,
)

import nonlin as nl

CATALOG = [nl.get(name) for name in nl.names()]
LOW = ("float16", "bfloat16")
# (activation, backend) -> the catalog bug that makes it fail there (reported).
BROKEN: dict[tuple[str, str], str] = {}


def evaluate(act: nl.Activation, method: str, x: Any, dy: Any) -> Any:
    return act.vjp(x, dy) if method == "vjp" else getattr(act, method)(x)


def methods(act: nl.Activation) -> tuple[str, ...]:
    return ("fn", "grad", "grad2", "vjp") if act.elementwise else ("fn", "vjp")


@pytest.mark.parametrize("act", CATALOG, ids=str)
def test_half_precision_is_rounded_once(
    act: nl.Activation, backend: Backend, request: pytest.FixtureRequest
) -> None:
    dtypes = [dtype for dtype in LOW if dtype in backend.dtypes]
    if not dtypes:
        pytest.skip(f"{backend} has no float16 or bfloat16")
    if backend.name == "dask" and not act._pointwise():
        pytest.skip("Dask row operations compute in float64 as NumPy does (test_dask.py)")
    if (act.name, backend.name) in BROKEN:
        request.applymarker(pytest.mark.xfail(reason=BROKEN[act.name, backend.name]))
    if getattr(act, "learnable", False):
        act = act.clone()  # type: ignore[attr-defined]
        act.init_params(rng=0)  # type: ignore[attr-defined]
    native = backend.name not in ("numpy", "dask")  # these compute in float64
    failures = []
    for dtype in dtypes:
        numpy_dtype = backend.numpy_dtype(dtype)
        points = as_matrix(tail_grid(dtype, backend))
        dy = np.resize(np.array([1.0, -0.5, 2.0, 0.25]), np.asarray(act(points)).shape)
        x, x32 = backend.asarray(points, dtype), backend.asarray(points, "float32")
        for method in methods(act):
            y = evaluate(act, method, x, backend.asarray(dy, dtype))
            assert y.dtype == x.dtype
            ours = backend.to_numpy(y)
            with np.errstate(over="ignore"):
                reference = np.asarray(evaluate(act, method, points, dy)).astype(numpy_dtype)
            distance = ulp_distance(ours, reference)
            distance[flushed(backend, dtype, points, reference)] = 0
            if np.max(distance) > 1:
                at = np.unravel_index(np.argmax(distance), distance.shape)
                failures.append(
                    f"{method} {dtype} at x={points[at]}: {ours[at]} vs {reference[at]}"
                )
            if native:
                own = evaluate(act, method, x32, backend.asarray(dy, "float32"))
                with np.errstate(over="ignore"):
                    once = backend.to_numpy(own).astype(numpy_dtype)
                if not np.array_equal(ours, once, equal_nan=True):
                    failures.append(f"{method} {dtype}: not its float32 result rounded once")
    assert not failures, f"{act} on {backend}:\n" + "\n".join(failures)
