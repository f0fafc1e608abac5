"""Dask: every activation stays lazy and works chunk by chunk, row operations work along
a chunked axis, and the results are NumPy's; the same on a distributed cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _backends import ulp_distance

import nonlin as nl

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

CATALOG = [nl.get(name) for name in nl.names()]
POINTWISE = [act for act in CATALOG if act.elementwise and getattr(act, "axis", None) is None]
ROW_OPERATIONS = [name for name in ("softmax", "log_softmax", "softmin") if name in nl.names()] + [
    name for name in nl.names() if name.startswith("norm:")
]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dask_cluster.py"


def refuse_to_compute(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("something was computed while the graph was being built")


def tails() -> np.ndarray:
    """Tails, kinks and infinities, 4 x 12, in chunks of 2 x 5 (uneven on purpose)."""
    values = [-np.inf, -1e300, -700.0, -40.0, -6.0, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.5,
              1.0, 2.5, 6.0, 40.0, 700.0, 1e300, np.inf]  # fmt: skip
    return np.resize(np.array(values), 48).reshape(4, 12)


@pytest.mark.parametrize("act", POINTWISE, ids=str)
def test_pointwise_activation_is_one_lazy_blockwise_layer(act: nl.Activation) -> None:
    data = tails()
    x = da.from_array(data, chunks=(2, 5))
    dy = da.from_array(np.full(data.shape, 0.5), chunks=(2, 5))
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = [act(x), act.grad(x), act.grad2(x), act.vjp(x, dy), act.jvp(x, dy)]
        lazy += list(act.derivatives(x))
    for y in lazy:
        assert isinstance(y, da.Array)
        assert y.chunks == x.chunks
    for y in lazy[:3]:  # one task per chunk on top of the input: nothing rechunks
        assert len(y.dask.layers) == len(x.dask.layers) + 1
    expected = [act(data), act.grad(data), act.grad2(data)]
    expected += [act.vjp(data, np.full(data.shape, 0.5)), act.jvp(data, np.full(data.shape, 0.5))]
    expected += list(act.derivatives(data))
    computed = dask.compute(*lazy, scheduler="sync")  # RuntimeWarnings are errors here
    for y, reference in zip(computed, expected):
        np.testing.assert_array_equal(y, reference)  # bit for bit: the same NumPy code


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64"])
def test_dtypes_follow_numpy(dtype: str) -> None:
    data = np.array([-3.0, -1.0, 0.0, 2.0, 9.0, 80.0]).astype(dtype)
    x = da.from_array(data, chunks=4)
    for act in (nl.gelu, nl.softplus, nl.tanh):
        y = act(x)
        assert y.dtype == act(data).dtype
        np.testing.assert_array_equal(y.compute(scheduler="sync"), act(data))


@pytest.mark.skipif(not ROW_OPERATIONS, reason="the normalizing family is not registered yet")
@pytest.mark.parametrize("name", ROW_OPERATIONS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_row_operation_along_a_chunked_axis(name: str, axis: int) -> None:
    act = nl.get(name).replace(axis=axis)
    rng = np.random.default_rng(1)
    data = rng.standard_normal((6, 10)) * 5.0
    data[2, 3], data[4, 0] = 700.0, -1e300  # an entry that dominates, one that vanishes
    dy = rng.standard_normal(np.asarray(act(data)).shape)
    v = rng.standard_normal(data.shape)  # not x: J(x) x is 0 for the scale-free norm:*
    x = da.from_array(data, chunks=(4, 3))  # chunked along both axes
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = [act(x), act.vjp(x, da.from_array(dy, chunks=3)), act.jvp(x, da.from_array(v))]
    computed = dask.compute(*lazy, scheduler="sync")
    expected = [act(data), act.vjp(data, dy), act.jvp(data, v)]
    # Rechunked to whole rows, each chunk is computed as NumPy computes it: the same bits.
    for label, y, reference in zip(("f", "vjp", "jvp"), computed, expected):
        np.testing.assert_array_equal(np.asarray(y), reference, err_msg=f"{act} {label}")
    assert lazy[0].chunks[axis % 2] == (data.shape[axis],)  # one chunk along the axis


def test_works_on_a_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    data = tails()
    x = da.from_array(data, chunks=(2, 5))
    act = nl.get("elu+softplus")
    lazy = [nl.gelu(x), nl.gelu.grad2(x), act.vjp(x, da.ones_like(x))]
    expected = [nl.gelu(data), nl.gelu.grad2(data), act.vjp(data, np.ones_like(data))]
    if "softmax" in nl.names():
        lazy.append(nl.get("softmax")(x))
        expected.append(nl.get("softmax")(data))
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        computed = client.compute(lazy, sync=True)
    for y, reference in zip(computed, expected):
        assert np.max(ulp_distance(np.asarray(y), reference)) <= 8


def test_the_example_runs() -> None:
    pytest.importorskip("distributed")
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "all results agree with NumPy" in done.stdout
