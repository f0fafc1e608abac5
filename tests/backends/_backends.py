"""Backends for the tests: every array library nonlin supports, loaded on demand.

The fixtures ``backend`` and ``mutable_backend`` live here, not in a conftest.py: the
test modules import them (``from _backends import backend_fixture``), because a second
``conftest`` module would shadow ``tests/conftest.py`` for ``from conftest import ...``.

A library that is not installed (or, for CuPy, has no CUDA GPU) is skipped, unless it is
named in the environment variable ``NONLIN_REQUIRE_BACKENDS`` (a comma list such as
``numpy,array_api_strict,torch,jax,dask``; ``NONLIN_TEST_BACKENDS`` is read too): then
its tests fail, so CI cannot go green by silently testing less.

Test data is made in NumPy (float64, or rounded to the tested dtype first, so every
backend sees the very same numbers) and handed to a backend with :meth:`Backend.asarray`;
results come back with :meth:`Backend.to_numpy`, exactly (bfloat16 included).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np
import pytest

BACKENDS = ("numpy", "array_api_strict", "torch", "jax", "cupy", "dask")
# Libraries whose arrays cannot be written to (no out=, no in place).
IMMUTABLE = ("jax", "dask")
_SPELLINGS = {
    "jax.numpy": "jax",
    "dask.array": "dask",
    "array-api-strict": "array_api_strict",
    "strict": "array_api_strict",
}


def required_backends() -> list[str]:
    """The backends the environment insists on (``NONLIN_REQUIRE_BACKENDS``)."""
    names: list[str] = []
    for variable in ("NONLIN_REQUIRE_BACKENDS", "NONLIN_TEST_BACKENDS"):
        for name in os.environ.get(variable, "").split(","):
            name = name.strip().lower()
            if name:
                names.append(_SPELLINGS.get(name, name))
    return sorted(set(names))


def bfloat16_numpy() -> Any:
    """NumPy's bfloat16 (from ml_dtypes, which JAX depends on), or None."""
    try:
        import ml_dtypes
    except ImportError:  # pragma: no cover - ml_dtypes comes with jax
        return None
    return np.dtype(ml_dtypes.bfloat16)


@dataclass(frozen=True)
class Backend:
    """One array library as the tests see it."""

    name: str
    xp: Any  # its array-API namespace (array-api-compat's wrapper where needed)
    dtypes: tuple[str, ...]  # the floating dtypes it is tested with
    make: Callable[[np.ndarray], Any] = field(repr=False)
    back: Callable[[Any], np.ndarray] = field(repr=False)
    context: Callable[[], contextlib.AbstractContextManager[Any]] = field(
        default=contextlib.nullcontext, repr=False
    )

    @property
    def mutable(self) -> bool:
        return self.name not in IMMUTABLE

    def __str__(self) -> str:
        return self.name

    def numpy_dtype(self, dtype: str) -> np.dtype:
        return bfloat16_numpy() if dtype == "bfloat16" else np.dtype(dtype)

    def asarray(self, values: Any, dtype: str = "float64") -> Any:
        """``values`` rounded to ``dtype`` in NumPy, then given to this library exactly."""
        with np.errstate(over="ignore"):
            rounded = np.asarray(values, dtype=np.float64).astype(self.numpy_dtype(dtype))
        return self.make(rounded)

    def to_numpy(self, y: Any) -> np.ndarray:
        return self.back(y)

    def to_numpy_all(self, ys: list[Any]) -> list[np.ndarray]:
        """Several results at once (Dask computes them in one pass, sharing the input)."""
        if self.name == "dask":
            import dask

            return [np.asarray(y) for y in dask.compute(*ys, scheduler="sync")]
        return [self.back(y) for y in ys]


@pytest.fixture(params=BACKENDS, name="backend")
def backend_fixture(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each array library nonlin supports (skipped when absent, failed when required)."""
    chosen = get_backend(request.param)
    with chosen.context():
        yield chosen


@pytest.fixture(params=[name for name in BACKENDS if name not in IMMUTABLE], name="mutable_backend")
def mutable_backend_fixture(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The libraries whose arrays can be written to (out=, in place)."""
    chosen = get_backend(request.param)
    with chosen.context():
        yield chosen


def _numpy() -> Backend:
    return Backend(
        "numpy",
        array_api_compat.array_namespace(np.empty(0)),
        ("float64", "float32", "float16"),
        make=lambda values: values.copy(),
        back=np.asarray,
    )


def _array_api_strict() -> Backend:
    import array_api_strict as xs

    def back(y: Any) -> np.ndarray:
        return np.from_dlpack(y).copy()

    return Backend(
        "array_api_strict",
        xs,
        ("float64", "float32"),
        make=lambda values: xs.asarray(values),
        back=back,
    )


def _torch() -> Backend:
    import torch

    def make(values: np.ndarray) -> Any:
        if values.dtype == bfloat16_numpy():
            return torch.from_numpy(values.view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(values.copy())

    def back(y: Any) -> np.ndarray:
        y = y.detach().cpu()
        if y.dtype == torch.bfloat16:
            return y.view(torch.int16).numpy().view(bfloat16_numpy())
        return y.numpy()

    dtypes = ("float64", "float32", "float16")
    if bfloat16_numpy() is not None:
        dtypes += ("bfloat16",)
    return Backend("torch", array_api_compat.array_namespace(torch.empty(0)), dtypes, make, back)


def _jax() -> Backend:
    import jax
    import jax.numpy as jnp

    def make(values: np.ndarray) -> Any:
        return jnp.asarray(values)

    def back(y: Any) -> np.ndarray:
        return np.asarray(y)

    return Backend(
        "jax",
        jnp,
        ("float64", "float32", "float16", "bfloat16"),
        make,
        back,
        # float64 needs x64 mode; switched on only while a test runs.
        context=lambda: jax.enable_x64(True),
    )


def _cupy() -> Backend:
    import cupy

    try:
        gpus = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no runtime
        raise ImportError(f"CuPy is installed but CUDA is not usable: {error}") from None
    if gpus < 1:
        raise ImportError("CuPy is installed but there is no CUDA GPU")
    return Backend(
        "cupy",
        array_api_compat.array_namespace(cupy.empty(0)),
        ("float64", "float32", "float16"),
        make=cupy.asarray,
        back=lambda y: y.get(),
    )


def _dask() -> Backend:
    import dask.array as da

    def make(values: np.ndarray) -> Any:
        # Two chunks along every axis, so chunk boundaries are always exercised.
        chunks = tuple(max(1, -(-size // 2)) for size in values.shape)
        return da.from_array(values, chunks=chunks or ())

    def back(y: Any) -> np.ndarray:
        return np.asarray(y.compute(scheduler="sync"))

    return Backend(
        "dask",
        array_api_compat.array_namespace(da.empty(0)),
        ("float64", "float32", "float16"),
        make,
        back,
    )


_LOADERS = {
    "numpy": _numpy,
    "array_api_strict": _array_api_strict,
    "torch": _torch,
    "jax": _jax,
    "cupy": _cupy,
    "dask": _dask,
}
_loaded: dict[str, Backend | str] = {}


def load_backend(name: str) -> Backend | str:
    """The backend, or why it could not be loaded (a string)."""
    if name not in _loaded:
        try:
            _loaded[name] = _LOADERS[name]()
        except ImportError as error:
            _loaded[name] = f"{name} is not available: {error}"
    return _loaded[name]


def get_backend(name: str) -> Backend:
    """The backend; skip the test when it is missing, fail when it is required."""
    backend = load_backend(name)
    if isinstance(backend, str):
        if name in required_backends():
            pytest.fail(f"{backend} (it is required by NONLIN_REQUIRE_BACKENDS)")
        pytest.skip(backend)
    return backend


# --------------------------------------------------------------------------- measuring


def ordered(values: np.ndarray) -> np.ndarray:
    """Floats mapped to integers in the same order, one apart per representable step."""
    values = np.asarray(values)
    width = values.dtype.itemsize
    bits = values.view({2: np.int16, 4: np.int32, 8: np.int64}[width]).astype(np.int64)
    lowest = -(1 << (8 * width - 1))
    return np.where(bits < 0, lowest - bits, bits)  # -0.0 and +0.0 both map to 0


def ulp_distance(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """How many representable numbers of their (common) dtype lie between two arrays,
    elementwise; nan against nan is 0, nan against a number is inf."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    assert ours.dtype == reference.dtype, (ours.dtype, reference.dtype)
    distance = np.abs(ordered(ours) - ordered(reference)).astype(np.float64)
    nan_ours = np.isnan(ours.astype(np.float64))
    nan_reference = np.isnan(reference.astype(np.float64))
    distance[nan_ours & nan_reference] = 0.0
    distance[nan_ours ^ nan_reference] = np.inf
    return distance


SIZE = 64  # points per test input

_MAGNITUDES = (
    0.0, 5e-324, 1e-310, 1e-300, 1e-40, 1e-30, 1e-8, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5,
    3.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 88.0, 100.0, 700.0, 1e4,
    1e10, 1e38, 1e300, np.inf,
)  # fmt: skip


def tail_grid(dtype: str, backend: Backend | None = None) -> np.ndarray:
    """Points of ``dtype`` (as float64) from the subnormals to the overflow threshold
    and infinity, in both signs: the middle, the kinks at 0 and the tails."""
    numpy_dtype = (backend.numpy_dtype(dtype) if backend else None) or np.dtype(dtype)
    values = np.array([*_MAGNITUDES, *(-m for m in _MAGNITUDES)])
    with np.errstate(over="ignore"):
        rounded = values.astype(numpy_dtype).astype(np.float64)
    return np.unique(rounded)


def as_matrix(points: np.ndarray) -> np.ndarray:
    """The points padded to 64 and laid out as 2 x 32: a 2-d input exercises shapes and
    axis=-1 of the normalizing family, and one shape for every dtype lets JAX reuse its
    compiled kernels from one activation to the next."""
    filler = np.array([0.75, -0.75, 1.25, -1.25, 3.5, -3.5, 5.0, -5.0, 7.0, -7.0, 12.0, -12.0])
    padded = np.concatenate([points, np.resize(filler, max(0, SIZE - points.size))])
    return padded[:SIZE].reshape(2, -1)


def flushed(backend: Backend, dtype: str, x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Where a backend may flush subnormals: XLA on the CPU runs with FTZ and DAZ set, so
    a subnormal input reads as 0 and a subnormal result comes out 0."""
    if backend.name != "jax":
        return np.zeros(reference.shape, dtype=bool)
    # bfloat16 has float32's exponent range (and np.finfo does not know it).
    tiny = float(np.finfo("float32" if dtype == "bfloat16" else dtype).tiny)
    with np.errstate(invalid="ignore"):
        # A result just above the subnormals can be dy * (a flushed subnormal).
        mask = np.abs(reference.astype(np.float64)) < 4 * tiny
        if x.shape == reference.shape:
            mask |= (x != 0) & (np.abs(x) < tiny)
    return mask
