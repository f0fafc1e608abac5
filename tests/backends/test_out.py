"""``out=``: results written into a given array, ``out=x`` in place; refusals are clear
and leave every array as it was."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _backends import (
    Backend,
    mutable_backend_fixture,  # noqa: F401 (the fixture, for pytest to find)
)

import nonlin as nl
from nonlin.errors import InputError, InputTypeError

POINTS = np.array([[-50.0, -3.0, -0.5, 0.0], [0.25, 1.0, 6.0, 40.0]])
ACTS = ["elu", "gelu", "softplus", "tanh+relu"] + [
    name for name in ("softmax", "norm:z") if name in nl.names()
]


def call(act: nl.Activation, method: str, x: Any, **kwargs: Any) -> Any:
    if method in ("vjp", "jvp"):
        return getattr(act, method)(x, x * 0.5, **kwargs)
    return getattr(act, method)(x, **kwargs)


def methods(act: nl.Activation) -> list[str]:
    return ["fn", "grad", "grad2", "vjp", "jvp"] if act.elementwise else ["fn", "vjp", "jvp"]


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_out_receives_the_result(name: str, dtype: str, mutable_backend: Backend) -> None:
    act = nl.get(name)
    x = mutable_backend.asarray(POINTS, dtype)
    for method in methods(act):
        expected = mutable_backend.to_numpy(call(act, method, x))
        buffer = mutable_backend.asarray(np.full(POINTS.shape, np.nan), dtype)
        returned = call(act, method, x, out=buffer)
        assert returned is buffer
        np.testing.assert_array_equal(mutable_backend.to_numpy(buffer), expected)


@pytest.mark.parametrize("name", ACTS)
def test_out_is_x_works_in_place(name: str, mutable_backend: Backend) -> None:
    act = nl.get(name)
    for method in methods(act):
        x = mutable_backend.asarray(POINTS, "float32")
        expected = mutable_backend.to_numpy(call(act, method, x))
        returned = call(act, method, x, out=x)
        assert returned is x
        np.testing.assert_array_equal(mutable_backend.to_numpy(x), expected)


def test_out_of_another_dtype_is_refused(mutable_backend: Backend) -> None:
    x = mutable_backend.asarray(POINTS, "float64")
    buffer = mutable_backend.asarray(np.zeros(POINTS.shape), "float32")
    with pytest.raises(InputTypeError, match="dtype"):
        nl.gelu(x, out=buffer)
    np.testing.assert_array_equal(mutable_backend.to_numpy(buffer), np.zeros(POINTS.shape))


def test_integer_array_is_not_written_in_place(mutable_backend: Backend) -> None:
    if mutable_backend.name == "array_api_strict":
        import array_api_strict as xs

        x = xs.asarray([[-2, 0, 3]])
    else:
        x = mutable_backend.make(np.array([[-2, 0, 3]]))
    before = mutable_backend.to_numpy(x).copy()
    with pytest.raises(InputTypeError, match="int"):
        nl.relu(x, out=x)
    np.testing.assert_array_equal(mutable_backend.to_numpy(x), before)


def test_out_of_the_wrong_shape_is_refused(mutable_backend: Backend) -> None:
    x = mutable_backend.asarray(POINTS)
    buffer = mutable_backend.asarray(np.zeros((2, 3)))
    with pytest.raises(InputError, match="shape"):
        nl.elu(x, out=buffer)
    np.testing.assert_array_equal(mutable_backend.to_numpy(buffer), np.zeros((2, 3)))


def test_read_only_numpy_array_is_left_unchanged() -> None:
    x = POINTS.copy()
    x.flags.writeable = False
    with pytest.raises(InputError, match="read-only"):
        nl.elu(x, out=x)
    np.testing.assert_array_equal(x, POINTS)


def test_out_from_another_library_is_refused() -> None:
    torch = pytest.importorskip("torch")
    buffer = torch.zeros(POINTS.shape, dtype=torch.float64)
    with pytest.raises(InputTypeError, match="same library"):
        nl.elu(POINTS, out=buffer)
    assert not bool(buffer.any())


@pytest.mark.parametrize("library", ["jax", "dask"])
def test_immutable_arrays_take_no_out(library: str) -> None:
    if library == "jax":
        jnp = pytest.importorskip("jax.numpy")
        x = jnp.asarray(POINTS)
    else:
        da = pytest.importorskip("dask.array")
        x = da.from_array(POINTS, chunks=2)
    with pytest.raises(InputError, match="immutable"):
        nl.elu(x, out=x)
    np.testing.assert_array_equal(np.asarray(x), POINTS)


def test_torch_in_place_keeps_the_tensor_and_its_device() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor(POINTS, dtype=torch.float16)
    pointer, device = x.data_ptr(), x.device
    nl.gelu(x, out=x)
    assert x.data_ptr() == pointer and x.device == device and x.dtype == torch.float16
    expected = nl.gelu(torch.tensor(POINTS, dtype=torch.float16))
    assert torch.equal(x, expected)
