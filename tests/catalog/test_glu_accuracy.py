"""GLU computed natively in float32 (PyTorch, JAX): f, vjp and jvp within 2 ulp of
NumPy's float64 result rounded to float32, on a dense grid of (a, b) pairs.

NumPy computes float32 in float64 and rounds once; a library that computes in float32
stacks the roundings of ``dy * a * sigma(b) sigma(-b)``: up to 4 ulp here before GLU's
float32 path carried each product exactly, and far off where ``sigma(b)`` is subnormal
in float32 (``|b|`` above 87) or ``dy * a`` overflows. The grid has gates from 0 to 1
and slopes down to ``e^-100``, and ``a`` up to the float32 limit.
The tangents give jvp's two terms ``va sigma(b)`` and ``vb a sigma'(b)`` one sign: where
they cancel, float32 ``exp``'s own error (up to an ulp of each term) is magnified by the
cancellation, in any float32 evaluation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import nonlin as nl

BOUND = 2  # float32 numbers between the native result and the rounded reference
TINY = float(np.finfo(np.float32).tiny)


def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x of shape (n, 2) = [a, b] pairs, dy of shape (n, 1), v of shape (n, 2)."""
    rng = np.random.default_rng(7)
    magnitudes = np.concatenate([10.0 ** np.linspace(-30, 38, 35), rng.uniform(0.5, 8.0, 12)])
    a = np.concatenate([magnitudes, -magnitudes, [0.0, 3e38, -3.4028235e38]])
    b = np.concatenate(
        [np.linspace(-100, 100, 801), rng.uniform(-3, 3, 120), rng.uniform(-90, 90, 80)]
    )
    pairs = np.stack(np.meshgrid(a, b, indexing="ij"), axis=-1).reshape(-1, 2)
    x = pairs.astype(np.float32)
    signs = rng.choice([-1.0, 1.0], size=(len(x), 2))
    signs[:, 1] = signs[:, 0] * np.where(x[:, 0] < 0, -1.0, 1.0)  # jvp's terms of one sign
    dy = (signs[:, :1] * rng.uniform(0.5, 2.0, (len(x), 1))).astype(np.float32)
    v = (signs[:, [0, 1]] * rng.uniform(0.5, 2.0, (len(x), 2))).astype(np.float32)
    return x, dy, v


def _ordered(values: np.ndarray) -> np.ndarray:
    """float32 to integers in the same order, one apart per representable number."""
    bits = values.astype(np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)


def _worst(ours: np.ndarray, reference: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    """The largest distance in float32 numbers and where; results below 4 smallest
    normals are left out (JAX flushes subnormals on the CPU)."""
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.array_equal(np.isnan(ours), np.isnan(reference))
    finite = np.isfinite(reference)
    assert np.array_equal(ours[~finite], reference[~finite])
    distance = np.abs(_ordered(ours) - _ordered(reference)).astype(np.float64)
    distance[~finite | (np.abs(reference) < 4 * TINY)] = 0
    at = np.unravel_index(np.argmax(distance), distance.shape)
    row = at[0]
    return float(distance[at]), f"a, b = {x[row].tolist()}: {ours[at]!r} vs {reference[at]!r}"


Run = Callable[[str, list[np.ndarray]], np.ndarray]


def _torch() -> Run:
    torch = pytest.importorskip("torch")

    def run(method: str, arrays: list[np.ndarray]) -> np.ndarray:
        return getattr(nl.get("glu"), method)(*map(torch.from_numpy, arrays)).numpy()

    return run


def _jax(jit: bool) -> Run:
    jax = pytest.importorskip("jax")

    def run(method: str, arrays: list[np.ndarray]) -> np.ndarray:
        function = getattr(nl.get("glu"), method)
        # under jit XLA simplifies and fuses (it folds (1 + e) - 1 to e, for one)
        function = jax.jit(function) if jit else function
        return np.asarray(function(*map(jax.numpy.asarray, arrays)))

    return run


LIBRARIES: dict[str, Callable[[], Run]] = {
    "torch": _torch,
    "jax": lambda: _jax(jit=False),
    "jax-jit": lambda: _jax(jit=True),
}


@pytest.mark.parametrize("library", LIBRARIES)
def test_glu_float32_within_2_ulp_of_float64(library: str) -> None:
    run = LIBRARIES[library]()
    x, dy, v = _grid()
    glu = nl.get("glu")
    operands = {"__call__": [x], "vjp": [x, dy], "jvp": [x, v]}
    failures = []
    for method, arrays in operands.items():
        with np.errstate(over="ignore"):
            wide = [array.astype(np.float64) for array in arrays]
            reference = np.asarray(getattr(glu, method)(*wide)).astype(np.float32)
        distance, where = _worst(run(method, arrays), reference, x)
        if distance > BOUND:
            failures.append(f"{method}: {distance:g} ulp at {where}")
    assert not failures, "\n".join(failures)
