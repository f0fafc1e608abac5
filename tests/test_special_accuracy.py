"""nonlin.special's erfcx, erfc and erf against 60-digit mpmath, in ulps.

erfcx is nonlin's own (:func:`nonlin.special.accurate_erfcx`): within 1 ulp in float64
for any x, on every library. The libraries' own, on the same grid: SciPy's and
PyTorch's 7 ulp for small x > 0 (0.9999999920211537 for erfcx(7.07e-9), exact
0.9999999920211544), 2 beyond 8 and 499 near -24.5 (``exp(x**2)`` magnifies the
rounding of ``x**2``). erfc for x > 0 on NumPy is nonlin's (2 ulp; SciPy's grows like
``x**2``: 34 near 7, 500 near 20, 0 in place of subnormals near 26.6), within 1 ulp; erf is the
library's (SciPy 2 ulp on [-1, 1], PyTorch 1). GELU's exact form (x < 0 goes through
erfcx) is checked near 0, where SciPy's erfcx left it several ulp off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat
import mpmath
import numpy as np
import pytest

import nonlin as nl
from nonlin import special

mpmath.mp.dps = 60


def _grid() -> np.ndarray:
    """Tiny to huge, both signs: the series' centres and ends, the fraction's start,
    the subnormal stretch of erfc (26.5 to 26.7) and the overflow of erfcx(x < 0)."""
    rng = np.random.default_rng(7)
    positive = np.concatenate(
        [
            [0.0, 5e-324, 1e-310, 7.0710678118654755e-09, 1e-5, 1e-3, 0.125, 3.875, 4.0],
            np.nextafter(4.0, 0.0, dtype=np.float64)[None],
            np.geomspace(1e-300, 1e-2, 40),
            np.linspace(0.0, 8.0, 161),
            rng.uniform(0.0, 30.0, 150),
            np.linspace(26.5, 26.7, 21),
            np.geomspace(30.0, 1e300, 40),
        ]
    )
    negative = -np.concatenate(
        [np.geomspace(1e-300, 1.0, 20), rng.uniform(0.0, 26.6, 120), [26.62, 26.64, 26.66, 30.0]]
    )
    return np.unique(np.concatenate([positive, negative, [np.inf, -np.inf]]))


GRID = _grid()


def _erfcx(t: Any) -> Any:
    if t < -30:
        return mpmath.inf  # overflows any float
    if abs(t) < 1e4:
        return mpmath.exp(t * t) * mpmath.erfc(t)
    # mpmath's erfc gives up for huge t: the asymptotic series, to far beyond float64.
    u, term, total = 1 / (2 * t * t), mpmath.mpf(1), mpmath.mpf(0)
    for n in range(8):
        total += term
        term *= -(2 * n + 1) * u
    return total / (t * mpmath.sqrt(mpmath.pi))


MPMATH: dict[str, Callable[[Any], Any]] = {
    "erfcx": _erfcx,
    "erfc": mpmath.erfc,
    "erf": mpmath.erf,
}
LIMITS = {"erfcx": (np.inf, 0.0), "erfc": (2.0, 0.0), "erf": (-1.0, 1.0)}  # at -inf, inf


def reference(name: str, x: np.ndarray, dtype: str) -> np.ndarray:
    """The function at ``x`` (of ``dtype``) from mpmath, rounded to ``dtype``."""
    at_minus_inf, at_inf = LIMITS[name]
    values = []
    for v in x.astype(np.float64):
        if np.isinf(v):
            values.append(at_minus_inf if v < 0 else at_inf)
        elif name != "erfcx" and abs(v) >= 1e4:  # erfc and erf at their limits
            values.append(at_inf if v > 0 else at_minus_inf)
        else:
            values.append(float(MPMATH[name](mpmath.mpf(float(v)))))
    with np.errstate(over="ignore"):
        return np.asarray(values).astype(dtype)


def ulps(ours: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Representable numbers between the two, elementwise (same dtype, no NaN)."""
    assert ours.dtype == exact.dtype
    bits, lowest = {8: (np.int64, -(2**63)), 4: (np.int32, -(2**31))}[ours.dtype.itemsize]

    def ordered(a: np.ndarray) -> np.ndarray:
        i = a.view(bits).astype(np.int64)
        return np.where(i < 0, lowest - i, i)

    return np.abs(ordered(ours) - ordered(exact)).astype(np.float64)


# ---------------------------------------------------------------- backends


def _numpy() -> tuple[Any, Callable[[np.ndarray], Any], Callable[[Any], np.ndarray]]:
    xp = array_api_compat.array_namespace(np.empty(0))
    return xp, np.asarray, np.asarray


def _strict() -> tuple[Any, Callable[[np.ndarray], Any], Callable[[Any], np.ndarray]]:
    xp = pytest.importorskip("array_api_strict")
    return xp, xp.asarray, np.asarray


def _torch() -> tuple[Any, Callable[[np.ndarray], Any], Callable[[Any], np.ndarray]]:
    torch = pytest.importorskip("torch")
    xp = array_api_compat.array_namespace(torch.empty(0))
    return xp, lambda a: torch.from_numpy(np.array(a, order="C")), lambda t: t.numpy()


BACKENDS = {"numpy": _numpy, "array_api_strict": _strict, "torch": _torch}

# (function, library, dtype) -> largest ulp distance allowed where x > 0 and x <= 0
BOUNDS: dict[tuple[str, str, str], tuple[float, float]] = {
    **{("erfcx", b, "float64"): (1, 1) for b in BACKENDS},
    ("erfcx", "numpy", "float32"): (1, 1),  # computed in float64
    ("erfcx", "array_api_strict", "float32"): (1, 1),  # through NumPy
    ("erfcx", "torch", "float32"): (2, 1),  # in float32 (1.4 ulp near 9)
    ("erfc", "numpy", "float64"): (1, 1),
    ("erfc", "array_api_strict", "float64"): (1, 1),
    ("erfc", "torch", "float64"): (1, 1),  # PyTorch's
    ("erf", "numpy", "float64"): (2, 2),  # SciPy's, 2 ulp on [-1, 1]
    ("erf", "array_api_strict", "float64"): (2, 2),
    ("erf", "torch", "float64"): (1, 1),  # PyTorch's
}


@pytest.mark.parametrize(("name", "backend", "dtype"), sorted(BOUNDS))
def test_within_bound(name: str, backend: str, dtype: str) -> None:
    xp, to_backend, to_numpy = BACKENDS[backend]()
    x = np.unique(GRID.clip(-3e38, 3e38).astype(dtype))
    ours = to_numpy(getattr(special, name)(to_backend(x), xp))
    assert ours.dtype == x.dtype
    distance = ulps(ours, reference(name, x, dtype))
    right_bound, left_bound = BOUNDS[name, backend, dtype]
    for side, bound in ((x > 0, right_bound), (x <= 0, left_bound)):
        worst = int(np.argmax(np.where(side, distance, -1.0)))
        assert distance[worst] <= bound, (
            f"{name} {backend} {dtype}: {distance[worst]:g} ulp at x={x[worst]!r}: {ours[worst]!r}"
        )


def test_erfcx_small_arguments() -> None:
    """SciPy's erfcx was 7 ulp off here (5 at 1e-3); these are the exact values."""
    x = np.array([7.0710678118654755e-09, 1e-3, 1e-5, 0.0, -0.0])
    ours = special.erfcx(x, array_api_compat.array_namespace(x))
    assert ours[0] == 0.9999999920211544
    np.testing.assert_array_equal(ulps(ours, reference("erfcx", x, "float64")), 0)


def test_special_values_and_shapes() -> None:
    xp = array_api_compat.array_namespace(np.empty(0))
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -26.7, -1e300, 1e300])
    np.testing.assert_array_equal(
        special.erfcx(x, xp),
        [np.nan, 0.0, np.inf, 1.0, 1.0, np.inf, np.inf, 5.641895835477562e-301],
    )
    np.testing.assert_array_equal(special.erfc(x, xp), [np.nan, 0.0, 2.0, 1.0, 1.0, 2.0, 2.0, 0.0])
    # any shape (blocks of 32768 are flattened and put back), and the dtype kept
    big = np.random.default_rng(1).uniform(-6.0, 30.0, (3, 40000))
    for name in ("erfcx", "erfc"):
        y = getattr(special, name)(big, xp)
        assert y.shape == big.shape
        np.testing.assert_array_equal(y[1], getattr(special, name)(big[1], xp))
        for dtype in (np.float32, np.float16):
            assert getattr(special, name)(big.astype(dtype), xp).dtype == dtype
    assert special.erfcx(np.float64(0.5), xp).shape == ()


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("shape", [(), (3, 4), (2, 0), (2, 3, 5)])
def test_shapes(backend: str, shape: tuple[int, ...]) -> None:
    xp, to_backend, to_numpy = BACKENDS[backend]()
    x = np.linspace(-5.0, 30.0, math.prod(shape)).reshape(shape)
    flat = special.erfcx(np.ravel(x), array_api_compat.array_namespace(x))
    for name in ("erfcx", "erfc", "erf"):
        y = to_numpy(getattr(special, name)(to_backend(x), xp))
        assert y.shape == shape and y.dtype == x.dtype
        if name == "erfcx":
            np.testing.assert_array_equal(np.ravel(y), flat)


def test_masked_is_the_array_api_version() -> None:
    """NumPy's fast path (boolean masks, blocks) gives the jit-safe version's bits."""
    xp = array_api_compat.array_namespace(np.empty(0))
    x = np.concatenate([GRID[np.isfinite(GRID)], np.random.default_rng(2).uniform(-8, 40, 2000)])
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(special.erfcx(x, xp), special.accurate_erfcx(x, xp))
        library = pytest.importorskip("scipy.special").erfc
        np.testing.assert_array_equal(special.erfc(x, xp), special.accurate_erfc(x, xp, library))


def _torch_cases() -> dict[str, np.ndarray]:
    """Blocks of every composition the PyTorch fast path tells apart: all in the series'
    range, all beyond (with inf, NaN and the fraction's far end), all negative (with the
    overflow of 2 exp(x**2)), and mixed (more than one block)."""
    rng = np.random.default_rng(4)
    finite = GRID[np.isfinite(GRID)]
    few_far = np.concatenate([rng.uniform(6.0, 30.0, 100), [np.nan, np.inf, -np.inf, 1e300]])
    few_near = np.concatenate([rng.uniform(-6.0, 6.0, 100), [0.0, -0.0, np.nan, -30.0]])
    few_neg = np.concatenate([rng.uniform(-30.0, 0.0, 100), [-0.0, np.nan, -np.inf, -26.7]])
    return {
        "mixed": np.concatenate([finite, rng.uniform(-30.0, 40.0, 70000), [np.nan, -0.0]]),
        "near": np.concatenate([rng.uniform(0.0, 6.0, 5000), [0.0, -0.0, 5.999999999999999]]),
        "far": np.concatenate([rng.uniform(6.0, 1e3, 5000), [6.0, np.inf, np.nan, 1e300]]),
        "negative": np.concatenate([-rng.uniform(0.0, 30.0, 5000), [-26.7, -np.inf, np.nan]]),
        # one branch taken by few (computed for those only)
        "few far": rng.permutation(np.concatenate([rng.uniform(-6.0, 6.0, 5000), few_far])),
        "few near": rng.permutation(np.concatenate([rng.uniform(6.0, 50.0, 5000), few_near])),
        "few negative": rng.permutation(np.concatenate([rng.uniform(0.0, 9.0, 5000), few_neg])),
    }


@pytest.mark.parametrize("case", sorted(_torch_cases()))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_fast_is_the_array_api_version(
    case: str, dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyTorch's fast path (plain CPU tensors: blocks, in place) gives the bits of the
    jit- and autodiff-safe version, as does ``nonnegative=True`` for x >= 0."""
    torch = pytest.importorskip("torch")
    xp = array_api_compat.array_namespace(torch.empty(0))
    monkeypatch.setattr(special, "_TORCH_BLOCK_BYTES", 2**14)  # many blocks, a short last
    x = torch.from_numpy(_torch_cases()[case]).to(getattr(torch, dtype))
    assert special._torch_plain(x)
    with np.errstate(over="ignore"):
        fast = special.erfcx(x, xp).numpy()
        generic = special.accurate_erfcx(x, xp).numpy()
        np.testing.assert_array_equal(fast, generic)
        right = x[~(x < 0)]
        for function in (special.erfcx, special.accurate_erfcx):
            np.testing.assert_array_equal(
                function(right, xp, nonnegative=True).numpy(),
                special.accurate_erfcx(right, xp).numpy(),
            )
    if dtype == "float64":  # and NumPy's (also through blocks)
        numpy = array_api_compat.array_namespace(np.empty(0))
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(fast, special.erfcx(x.numpy(), numpy))


# forward AD makes PyTorch script a helper of its own (deprecated in PyTorch 2.13)
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torch_autodiff_and_transforms() -> None:
    """Under autograd, forward AD and torch.func the array-API version runs (the fast
    path is for plain tensors only): same values, finite derivatives."""
    torch = pytest.importorskip("torch")
    xp = array_api_compat.array_namespace(torch.empty(0))
    x = torch.linspace(-26.0, 30.0, 57, dtype=torch.float64)

    def function(v: Any) -> Any:
        return special.erfcx(v, xp)

    expected = function(x)
    leaf = x.clone().requires_grad_()
    assert not special._torch_plain(leaf)
    y = function(leaf)
    y.sum().backward()
    torch.testing.assert_close(y.detach(), expected, rtol=0, atol=0)
    exact = 2 * x * expected - 2 / math.sqrt(math.pi)  # erfcx' (loose for x >> 1)
    torch.testing.assert_close(leaf.grad, exact, rtol=1e-9, atol=1e-12)
    with torch.no_grad():
        assert special._torch_plain(leaf)
    func = torch.func
    torch.testing.assert_close(func.vmap(function)(x), expected, rtol=0, atol=0)
    torch.testing.assert_close(func.vmap(func.grad(function))(x), leaf.grad, rtol=0, atol=0)
    from torch.autograd import forward_ad

    with forward_ad.dual_level():
        dual = forward_ad.make_dual(x, torch.ones_like(x))
        assert not special._torch_plain(dual)
        tangent = forward_ad.unpack_dual(function(dual)).tangent
    torch.testing.assert_close(tangent, leaf.grad)
    # GELU through it, float64 (its float32 has its own erfcx)
    torch.testing.assert_close(
        func.grad(nl.gelu)(torch.tensor(-1.3, dtype=torch.float64)),
        nl.gelu.grad(torch.tensor(-1.3, dtype=torch.float64)),
    )
    torch.testing.assert_close(func.vmap(nl.gelu)(x), nl.gelu(x), rtol=0, atol=0)


def test_dask_chunks() -> None:
    da = pytest.importorskip("dask.array")
    x = np.linspace(-5.0, 30.0, 1001)
    xp = array_api_compat.array_namespace(da.from_array(x, chunks=100))
    y = special.erfcx(da.from_array(x, chunks=100), xp).compute()
    np.testing.assert_array_equal(y, special.erfcx(x, array_api_compat.array_namespace(x)))


# ---------------------------------------------------------------- GELU


def _gelu(x: Any) -> Any:
    return x * mpmath.ncdf(x)


def _gelu_grad(x: Any) -> Any:
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


@pytest.mark.parametrize(
    ("method", "exact", "x"),
    [
        ("grad", _gelu_grad, -1e-8),
        ("grad", _gelu_grad, -1e-3),
        ("call", _gelu, -1e-3),
        ("call", _gelu, -1e-8),
        ("grad", _gelu_grad, -7.0710678118654755e-09 * np.sqrt(2.0)),
    ],
)
def test_gelu_near_zero(method: str, exact: Callable[[Any], Any], x: float) -> None:
    """GELU's x < 0 goes through erfcx(|x|/sqrt 2): SciPy's made f'(-1e-8)
    0.4999999920211541 (0.4999999920211544 exact, as on JAX)."""
    act = nl.gelu
    function = act.grad if method == "grad" else act
    ours = np.asarray(function(np.array([x])))
    distance = ulps(ours, reference_value(exact, x))
    assert distance[0] <= 1, f"gelu {method}({x!r}) = {ours[0]!r}, {distance[0]:g} ulp"


def reference_value(exact: Callable[[Any], Any], x: float) -> np.ndarray:
    return np.array([float(exact(mpmath.mpf(x)))])
