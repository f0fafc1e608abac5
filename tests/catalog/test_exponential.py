"""The exponential family: elu, selu, celu, exponential."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin as nl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _shared import assert_torch_agrees_with_numpy, exact, ulps

INF = math.inf
MAX = 1.7976931348623157e308
SCALE = 1.0507009873554804934193349852946
ALPHA = 1.6732632423543772848170429916717
FAMILY = [
    "elu",
    "elu(alpha=0.5)",
    "selu",
    "selu(scale=1.0, alpha=1.0)",
    "selu(scale=2.0, alpha=0.3)",
    "celu",
    "celu(alpha=0.5)",
    "celu(alpha=3.0)",
    "celu(alpha=0.1)",
    "exponential",
]


# --------------------------------------------------------------------------- closed forms


X = np.array([-INF, -MAX, -40.0, -2.0, -0.5, -0.0, 0.0, 0.5, 2.0, MAX, INF])


def test_selu_is_scale_times_elu():
    x = X[2:-2]
    for scale, alpha in ((SCALE, ALPHA), (1.0, 1.0), (2.0, 0.3)):
        act = nl.SELU(scale=scale, alpha=alpha)
        expected = np.where(x > 0, scale * x, scale * alpha * np.expm1(np.minimum(x, 0)))
        np.testing.assert_allclose(act(x), expected, rtol=5e-16)
        slope = np.where(x > 0, scale, scale * alpha * np.exp(np.minimum(x, 0)))
        np.testing.assert_allclose(act.grad(x[x != 0]), slope[x != 0], rtol=5e-16)
    np.testing.assert_array_equal(nl.selu(np.array([-INF, INF])), [-SCALE * ALPHA, INF])
    np.testing.assert_array_equal(nl.selu.grad(np.array([-INF, INF])), [0.0, SCALE])
    np.testing.assert_array_equal(nl.selu.grad2(np.array([-INF, INF])), [0.0, 0.0])
    assert nl.selu(MAX) == INF  # the true value overflows


def test_celu_closed_form():
    x = X[2:-2]
    for alpha in (1.0, 0.5, 3.0):
        act = nl.CELU(alpha=alpha)
        expected = np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(x / alpha))
        np.testing.assert_allclose(act(x), expected, rtol=5e-16)
        # (x/alpha rounds in the naive form; ours takes the rounding back)
        e = np.exp(np.minimum(x, 0) / alpha)
        np.testing.assert_allclose(act.grad(x), np.where(x > 0, 1.0, e), rtol=2e-15)
        second = np.where(x >= 0, 0.0, e / alpha)
        np.testing.assert_allclose(act.grad2(x), second, rtol=2e-15)
        np.testing.assert_array_equal(
            act(np.array([-INF, -MAX, MAX, INF])), [-alpha, -alpha, MAX, INF]
        )
        np.testing.assert_array_equal(act.grad(np.array([-INF, -MAX, MAX, INF])), [0, 0, 1, 1])
        np.testing.assert_array_equal(act.grad2(np.array([-INF, -MAX, MAX, INF])), 0.0)


def test_exponential_closed_form():
    x = np.array([-INF, -745.2, -710.0, -1.0, 0.0, 1.0, 709.78, 709.79, INF])
    with np.errstate(over="ignore"):
        expected = np.exp(x)
    for method in (nl.exponential.fn, nl.exponential.grad, nl.exponential.grad2):
        np.testing.assert_array_equal(method(x), expected)
    assert nl.exponential(-710.0) == pytest.approx(4.47628622567513e-309, rel=1e-12)  # XLA: 0
    assert nl.exponential(709.79) == INF  # the truth, 1.8e308, is not representable
    assert nl.get("exp") == nl.exponential


# --------------------------------------------------------------------------- tails (pitfalls.md)


@pytest.mark.parametrize(
    ("spec", "order", "x", "approximately"),
    [
        ("elu", 0, -1e-30, -1e-30),  # exp(x) - 1 gives 0
        ("elu", 1, -40.0, 4.248354255291589e-18),  # JAX (y + 1) gives 0
        ("elu", 2, -40.0, 4.248354255291589e-18),
        ("selu", 0, -1e-30, -1.7580993408473766e-30),
        ("selu", 1, -40.0, 7.469e-18),
        ("selu", 2, -745.0, 1e-323),
        ("celu", 1, -40.0, 4.248354255291589e-18),
        ("celu(alpha=3.0)", 1, -2200.0, 3.291e-319),  # x/alpha rounds: exact remainder
        ("celu(alpha=3.0)", 2, -120.0, 1.4138e-18),
        ("celu(alpha=0.1)", 2, -71.05, 2.715e-308),  # exp(x/alpha) is subnormal, f'' is not
        ("celu(alpha=0.1)", 0, -1e-30, -1e-30),
        ("exponential", 0, -745.0, 5e-324),
    ],
)
def test_tails_keep_full_relative_accuracy(spec, order, x, approximately):
    act = nl.get(spec)
    ours = float((act, act.grad, act.grad2)[order](x))
    truth = exact(spec, x, order)
    assert ours == pytest.approx(approximately, rel=2e-3, abs=1e-323)
    assert ulps(ours, truth) <= 1, f"{spec} order {order} at {x}: {ours!r} vs {truth!r}"


@pytest.mark.parametrize("spec", FAMILY)
def test_within_four_ulp_on_a_wide_grid(spec):
    act = nl.get(spec)
    magnitudes = np.geomspace(1e-300, 1e300, 61)
    x = np.concatenate([-magnitudes, magnitudes, np.linspace(-800, 40, 85), [-5e-324, 1e-310]])
    x = x[x != 0]
    values = (act(x), act.grad(x), act.grad2(x))
    for order, ours in enumerate(values):
        errors = [ulps(mine, exact(spec, point, order)) for mine, point in zip(ours, x)]
        worst = int(np.argmax(errors))
        assert errors[worst] <= 4, f"{spec} order {order} at x={x[worst]!r}: {errors[worst]}"


def test_no_nan_for_finite_input():
    x = np.array([-MAX, -1e300, -745.0, -1e-320, -0.0, 0.0, 1e-320, 700.0, 1e300, MAX])
    for spec in FAMILY:
        act = nl.get(spec)
        for method in (act.fn, act.grad, act.grad2):
            assert not np.isnan(method(x)).any(), spec


def test_extreme_celu_alphas_stay_finite():
    for alpha in (1e-300, 5e-324, 1e300, 1.7e308):
        act = nl.CELU(alpha=alpha)
        x = np.array([-INF, -MAX, -alpha, -1e-300, 0.0, 1.0, INF])
        for method in (act.fn, act.grad, act.grad2):
            assert not np.isnan(method(x)).any(), alpha
    assert nl.CELU(alpha=1e-300).grad2(-1e-300) == pytest.approx(math.exp(-1) * 1e300)


# --------------------------------------------------------------------------- kinks


def test_selu_kink_takes_the_smaller_one_sided_limit():
    assert nl.selu.kinks == (0.0,)
    assert nl.selu.grad(0.0) == SCALE  # alpha > 1: the right limit (numpy-ml; torch: scale*alpha)
    assert nl.SELU(scale=2.0, alpha=0.3).grad(0.0) == 2.0 * 0.3
    assert nl.SELU(scale=1.0, alpha=1.0).grad(0.0) == 1.0
    assert nl.selu.grad2(0.0) == 0.0 and nl.selu.grad2(-0.0) == 0.0


def test_celu_kink_is_only_in_the_second_derivative():
    for alpha in (0.5, 1.0, 3.0):
        act = nl.CELU(alpha=alpha)
        assert act.kinks == (0.0,)
        assert act.grad(0.0) == 1.0 and act.grad(-0.0) == 1.0
        assert act.grad2(0.0) == 0.0  # torch 0, JAX 0.25/alpha
        assert act.grad2(-1e-300) == pytest.approx(1 / alpha)


def test_exponential_has_no_kinks():
    assert nl.exponential.kinks == ()


# --------------------------------------------------------------------------- parameters


def test_selu_parameters_and_aliases():
    assert nl.selu.scale == SCALE and nl.selu.alpha == ALPHA
    assert str(nl.SELU(scale=1.0, alpha=1.0)) == "selu(scale=1.0, alpha=1.0)"
    assert nl.get("selu(scale_neg=1.0)") == nl.SELU(alpha=1.0)
    assert nl.get("selu", dialect="lasagne") == nl.selu
    with pytest.raises(nl.ParameterError, match="scale"):
        nl.SELU(scale=0.0)
    with pytest.raises(nl.ParameterError, match="alpha"):
        nl.SELU(alpha=-1.0)
    with pytest.raises(nl.ParameterError, match="alpha"):
        nl.get("selu(alpha=inf)")
    assert nl.selu.traits().self_normalising
    assert not nl.SELU(scale=1.0, alpha=1.0).traits().self_normalising


def test_celu_parameters():
    assert str(nl.CELU(alpha=0.5)) == "celu(alpha=0.5)"
    assert nl.get("celu(2.0)") == nl.CELU(alpha=2.0)
    for bad in (0.0, -1.0, INF, math.nan):
        with pytest.raises(nl.ParameterError, match="alpha"):
            nl.CELU(alpha=bad)


def test_exponential_takes_no_parameters():
    assert nl.exponential.parameters() == {}
    with pytest.raises(nl.ParameterError):
        nl.get("exponential(1.0)")


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("spec", FAMILY)
def test_float32_is_kept_and_rounded_once(spec):
    act = nl.get(spec)
    x = np.array([-200.0, -103.0, -88.0, -17.5, -1.0, -1e-30, 0.0, 1e-3, 2.0, 80.0], np.float32)
    for method in (act.fn, act.grad, act.grad2):
        y = method(x)
        assert y.dtype == np.float32
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(y, method(x.astype(np.float64)).astype(np.float32))


def test_torch_float32_and_float64():
    pytest.importorskip("torch")
    assert_torch_agrees_with_numpy(FAMILY)


# --------------------------------------------------------------------------- peers


GRID = np.linspace(-6.0, 6.0, 97)
SMOOTH = GRID[np.abs(GRID) > 1e-3]


def _autodiff_torch(function, x):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = function(t)
    (g,) = torch.autograd.grad(y.sum(), t, create_graph=True)
    (g2,) = torch.autograd.grad(g.sum(), t)
    return tuple(v.detach().numpy() for v in (y, g, g2))


def test_derivatives_match_torch_autodiff():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    cases = {
        "selu": F.selu,
        "selu(scale=2.0, alpha=0.3)": lambda t: 2.0 * F.elu(t, 0.3),
        "celu": F.celu,
        "celu(alpha=0.5)": lambda t: F.celu(t, 0.5),
        "celu(alpha=3.0)": lambda t: F.celu(t, 3.0),
        "exponential": torch.exp,
    }
    for spec, function in cases.items():
        act = nl.get(spec)
        peer = _autodiff_torch(function, SMOOTH)
        for ours, theirs in zip((act(SMOOTH), act.grad(SMOOTH), act.grad2(SMOOTH)), peer):
            np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15, err_msg=spec)


def test_derivatives_match_jax_autodiff():
    jax = pytest.importorskip("jax")
    jnn, jnp = jax.nn, jax.numpy
    cases = {
        "selu": jnn.selu,
        "celu": jnn.celu,
        "celu(alpha=3.0)": lambda t: jnn.celu(t, 3.0),
        "exponential": jnp.exp,
    }
    with jax.enable_x64(True):
        t = jnp.asarray(SMOOTH, dtype=jnp.float64)
        for spec, function in cases.items():
            first = jax.grad(function)
            second = jax.grad(first)
            act = nl.get(spec)
            peer = (function(t), jax.vmap(first)(t), jax.vmap(second)(t))
            for ours, theirs in zip((act(SMOOTH), act.grad(SMOOTH), act.grad2(SMOOTH)), peer):
                np.testing.assert_allclose(
                    ours, np.asarray(theirs), rtol=1e-13, atol=1e-15, err_msg=spec
                )


def test_torch_gives_the_opposite_selu_kink_convention():
    torch = pytest.importorskip("torch")
    t = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.nn.functional.selu(t).sum(), t)
    assert float(g) == pytest.approx(SCALE * ALPHA)  # ours: SCALE, the smaller limit
