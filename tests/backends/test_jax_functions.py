"""nonlin's replacements for XLA's loose functions (nonlin.special.JAX_OVERRIDES, and
erfcx): within 1 ulp of 40-digit mpmath on grids that reach the tails, in
float64 and float32; installed only in the namespace JAX arrays get; jit- and
grad-safe.

XLA's own, on the same kind of grid: exp 1 ulp (5 near overflow in float32), expm1 3
(float64) and 4 (float32), tanh 7 and 4, hypot 2 and 2; erfcx 11 and 9 (near 1),
and 0 for 26.54 < x < 26.65 (float64) and 9.19 < x < 9.42 (float32).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import array_api_compat
import mpmath
import numpy as np
import pytest
from _backends import ulp_distance

import nonlin as nl
from nonlin import special
from nonlin.namespace import namespace, plain

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

DTYPES = ("float64", "float32")
# name -> (replacement, mpmath function, magnitudes the grid spans: log-spaced from
# the first to the second, both signs, plus uniform points in the middle)
ONE_ARGUMENT: dict[str, tuple[Callable[..., Any], Callable[..., Any], dict[str, tuple]]] = {
    "exp": (
        special.accurate_exp,
        mpmath.exp,
        {"float64": (1e-20, 709.7), "float32": (1e-10, 88.7)},
    ),
    "expm1": (
        special.accurate_expm1,
        mpmath.expm1,
        {"float64": (1e-300, 709.7), "float32": (1e-37, 88.7)},
    ),
    "tanh": (
        special.accurate_tanh,
        mpmath.tanh,
        {"float64": (1e-300, 30.0), "float32": (1e-37, 15.0)},
    ),
}
TINY = {"float64": np.finfo(np.float64).tiny, "float32": np.finfo(np.float32).tiny}


@pytest.fixture(autouse=True)
def x64() -> Iterator[None]:
    """float64 needs x64 mode (as in _backends.py): only while a test runs."""
    with jax.enable_x64(True):
        yield


def jitted(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` on JAX's namespace, compiled (one XLA call: quicker than op by op)."""
    return jax.jit(lambda *arrays: function(*arrays, jnp))


def grid(low: float, high: float, dtype: str, n: int = 250) -> np.ndarray:
    rng = np.random.default_rng(7)
    magnitudes = np.concatenate([np.geomspace(low, high, n), rng.uniform(0, min(high, 3.0), n)])
    values = np.concatenate([magnitudes, -magnitudes]).astype(dtype)
    return np.unique(values)


def exact(function: Callable[..., Any], dtype: str, *columns: np.ndarray) -> np.ndarray:
    """``function`` at 40 digits, rounded once to ``dtype``."""
    with mpmath.workdps(40):
        values = [float(function(*(mpmath.mpf(float(v)) for v in row))) for row in zip(*columns)]
    with np.errstate(over="ignore"):
        return np.array(values).astype(dtype)


def worst(ours: Any, reference: np.ndarray) -> tuple[float, int]:
    distance = ulp_distance(np.asarray(ours), reference)
    # XLA on the CPU flushes subnormals: those results are 0 there, not our concern.
    distance[np.abs(reference.astype(np.float64)) < TINY[str(reference.dtype)]] = 0
    return float(distance.max()), int(distance.argmax())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ONE_ARGUMENT))
def test_within_one_ulp(name: str, dtype: str) -> None:
    function, reference, spans = ONE_ARGUMENT[name]
    x = grid(*spans[dtype], dtype)
    ours = jitted(function)(jnp.asarray(x))
    assert ours.dtype == x.dtype
    distance, at = worst(ours, exact(reference, dtype, x))
    assert distance <= 1, f"{name} {dtype}: {distance} ulp at x={x[at]!r}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_hypot_within_one_ulp(dtype: str) -> None:
    top = 1e300 if dtype == "float64" else 1e37
    bottom = 1e-300 if dtype == "float64" else 1e-37
    x = np.concatenate([np.geomspace(1e-3, top, 200), -np.geomspace(bottom, 1e3, 200)])
    y = np.concatenate([np.full(200, 2.0), np.geomspace(bottom, 10.0, 200)[::-1]])
    x, y = x.astype(dtype), y.astype(dtype)
    ours = jitted(special.accurate_hypot)(jnp.asarray(x), jnp.asarray(y))
    distance, at = worst(ours, exact(mpmath.hypot, dtype, x, y))
    assert distance <= 1, f"hypot {dtype}: {distance} ulp at {x[at]!r}, {y[at]!r}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_erfcx(dtype: str) -> None:
    """1 ulp (2 in float32) for x >= 0, across XLA's loose stretch (11 ulp near 1) and
    its hole (0 where exp(x**2) erfc(x) has erfc flushed)."""
    hole = (26.5, 26.7) if dtype == "float64" else (9.15, 9.45)
    x = np.concatenate(
        [grid(1e-30, 1e6, dtype, n=150), np.linspace(0.0, 6.0, 301), np.linspace(*hole, 41)]
    )
    x = np.unique(np.abs(x).astype(dtype))
    ours = jax.jit(lambda v: special.erfcx(v, namespace(v)))(jnp.asarray(x))

    def erfcx(t: Any) -> Any:
        return mpmath.exp(t * t) * mpmath.erfc(t)

    distance, at = worst(ours, exact(erfcx, dtype, x))
    assert distance <= (1 if dtype == "float64" else 2), f"{distance} ulp at x={x[at]!r}"
    slope = jax.jit(jax.vmap(jax.grad(lambda v: special.erfcx(v, namespace(v)))))(
        jnp.asarray([-1.0, 0.0, 2.0, 4.0, 30.0], dtype=dtype)
    )
    expected = [-11.14633932862008, -1.1283791670955126, -0.1067964618534896, -0.0323835061]
    np.testing.assert_allclose(np.asarray(slope)[:4], expected, rtol=1e-5)
    np.testing.assert_allclose(float(slope[4]), -0.0006258354105074841, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values(dtype: str) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e4, -1e4], dtype=dtype)
    with np.errstate(all="ignore"):
        for name, (function, _, _) in ONE_ARGUMENT.items():
            ours = np.asarray(jitted(function)(jnp.asarray(x)))
            expected = getattr(np, name)(x)
            np.testing.assert_array_equal(ours, expected, err_msg=name)
            assert np.array_equal(np.signbit(ours[:2]), np.signbit(expected[:2])), name
    a = np.array([np.inf, np.nan, 0.0, 3.0, 1e30], dtype=dtype)
    b = np.array([np.nan, np.inf, -0.0, -4.0, 1e30], dtype=dtype)
    ours = np.asarray(jitted(special.accurate_hypot)(jnp.asarray(a), jnp.asarray(b)))
    np.testing.assert_array_equal(ours, np.hypot(a, b))


@pytest.mark.parametrize("name", sorted(ONE_ARGUMENT))
def test_grad_is_finite_and_right(name: str) -> None:
    """No NaN through a discarded branch, and the derivatives of the function (three
    orders at 0, where the sign of zero is kept by a branch of its own)."""
    function = ONE_ARGUMENT[name][0]
    x = jnp.asarray([-1e4, -30.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 1.0, 30.0, 700.0])

    def f(v: Any) -> Any:
        return function(v, jnp)

    slope = jax.jit(jax.vmap(jax.grad(f)))(x)
    assert not np.isnan(np.asarray(slope)).any()
    expected = {"exp": jnp.exp, "expm1": jnp.exp, "tanh": lambda v: 1 / jnp.cosh(v) ** 2}[name]
    np.testing.assert_allclose(np.asarray(slope), np.asarray(expected(x)), rtol=1e-14, atol=0)
    third = jax.grad(jax.grad(jax.grad(f)))
    orders = [
        float(v)
        for v in jax.jit(lambda v: (jax.grad(f)(v), jax.grad(jax.grad(f))(v), third(v)))(
            jnp.asarray(0.0)
        )
    ]
    assert (
        orders == {"exp": [1.0, 1.0, 1.0], "expm1": [1.0, 1.0, 1.0], "tanh": [1.0, 0.0, -2.0]}[name]
    )


def test_installed_for_jax_only() -> None:
    x = jnp.ones(3)
    xp = namespace(x)
    assert array_api_compat.is_jax_namespace(xp)
    assert plain(xp) is array_api_compat.array_namespace(x)
    assert xp.tanh.func is special.accurate_tanh  # type: ignore[attr-defined]
    assert xp.sin is jnp.sin  # everything else is jax.numpy's own
    y = np.ones(3)
    assert namespace(y) is array_api_compat.array_namespace(y)
    assert plain(namespace(y)) is namespace(y)


@pytest.mark.parametrize("spec", ["tanh", "elu", "squareplus", "mish", "gelu"])
def test_catalog_under_jit_and_grad(spec: str) -> None:
    act = nl.get(spec)
    x = jnp.asarray([-40.0, -2.0, -0.5, 0.0, 0.5, 2.0, 40.0])
    fn = jax.jit(act)
    y = fn(x)
    assert isinstance(y, jax.Array) and y.dtype == x.dtype
    np.testing.assert_array_equal(np.asarray(y), np.asarray(act(x)))  # jit changes nothing
    # NumPy's erfcx (scipy's) is up to 6 ulp off, which GELU's NumPy value carries
    np.testing.assert_allclose(np.asarray(y), act(np.asarray(x)), rtol=2e-15, atol=0)
    slope = jax.jit(jax.vmap(jax.grad(act)))(x)
    np.testing.assert_allclose(np.asarray(slope), act.grad(np.asarray(x)), rtol=1e-13, atol=1e-300)
    import nonlin.jax as nj

    wrapped = nj.function(spec)
    slope = jax.jit(jax.vmap(jax.grad(wrapped)))(x)
    np.testing.assert_allclose(np.asarray(slope), act.grad(np.asarray(x)), rtol=4e-16, atol=0)
    x32 = jnp.asarray(np.asarray(x, dtype=np.float32))
    assert fn(x32).dtype == jnp.float32


def test_second_operand_and_out_checks_see_through_the_namespace() -> None:
    """vjp's dy is checked to be of x's library: the overridden namespace is JAX's."""
    x = jnp.asarray([-1.0, 0.5, 3.0])
    np.testing.assert_allclose(
        np.asarray(nl.tanh.vjp(x, jnp.ones(3))), nl.tanh.grad(np.asarray(x)), rtol=4e-16
    )
    with pytest.raises(nl.errors.InputError, match="immutable"):
        nl.tanh(x, out=jnp.zeros(3))
