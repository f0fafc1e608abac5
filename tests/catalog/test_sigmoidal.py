"""The sigmoidal family: closed forms, limits, tails, kinks, parameters, dtypes, peers."""

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
FAMILY = [
    "sigmoid",
    "tanh",
    "scaled_tanh",
    "scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)",
    "scaled_tanh(scale_in=-2.5, scale_out=0.1)",
    "log_sigmoid",
    "softsign",
    "tanh_shrink",
]


# --------------------------------------------------------------------------- closed forms


X = np.array([-INF, -MAX, -3.0, -1.0, -0.0, 0.0, 0.5, 2.0, MAX, INF])


def test_sigmoid_closed_form_and_limits():
    e = np.exp(-np.abs(X[2:-2]))
    expected = np.where(X[2:-2] >= 0, 1 / (1 + e), e / (1 + e))
    np.testing.assert_allclose(nl.sigmoid(X[2:-2]), expected, rtol=5e-16)
    np.testing.assert_array_equal(nl.sigmoid(X[[0, 1, -2, -1]]), [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(nl.sigmoid.grad(X[[0, 1, -2, -1]]), 0.0)
    np.testing.assert_array_equal(nl.sigmoid.grad2(X[[0, 1, -2, -1]]), 0.0)
    assert nl.sigmoid.grad(0.0) == 0.25 and nl.sigmoid.grad2(0.0) == 0.0


def test_tanh_closed_form_and_limits():
    np.testing.assert_allclose(nl.tanh(X), np.tanh(X), rtol=5e-16)
    np.testing.assert_allclose(nl.tanh.grad(X[2:-2]), 1 / np.cosh(X[2:-2]) ** 2, rtol=8e-16)
    np.testing.assert_array_equal(nl.tanh.grad(X[[0, 1, -2, -1]]), 0.0)
    np.testing.assert_array_equal(nl.tanh.grad2(X[[0, 1, -2, -1]]), 0.0)
    assert nl.tanh.grad(0.0) == 1.0 and nl.tanh.grad2(0.0) == 0.0


def test_scaled_tanh_is_scale_out_times_tanh_of_scale_in_x():
    act = nl.ScaledTanh(scale_in=2 / 3, scale_out=1.7159)
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(act(x), 1.7159 * np.tanh(2 / 3 * x), rtol=8e-16)
    sech2 = 1 / np.cosh(2 / 3 * x) ** 2
    np.testing.assert_allclose(act.grad(x), 1.7159 * 2 / 3 * sech2, rtol=1e-15)
    second = -2 * (2 / 3) ** 2 * 1.7159 * np.tanh(2 / 3 * x) * sech2
    np.testing.assert_allclose(act.grad2(x), second, rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(act(np.array([-INF, INF])), [-1.7159, 1.7159])
    mirrored = nl.ScaledTanh(scale_in=-2.0, scale_out=3.0)
    np.testing.assert_allclose(mirrored(x), -3.0 * np.tanh(2.0 * x), rtol=8e-16)
    np.testing.assert_allclose(mirrored.grad2(x), -nl.ScaledTanh(2.0, 3.0).grad2(x), rtol=0)


def test_log_sigmoid_closed_form_and_limits():
    x = X[2:-2]
    np.testing.assert_allclose(nl.log_sigmoid(x), -np.logaddexp(0, -x), rtol=5e-16)
    np.testing.assert_array_equal(nl.log_sigmoid(np.array([-INF, -MAX])), [-INF, -MAX])
    assert nl.log_sigmoid(INF) == 0.0 and nl.log_sigmoid(MAX) == 0.0
    np.testing.assert_array_equal(nl.log_sigmoid.grad(np.array([-INF, INF])), [1.0, 0.0])
    np.testing.assert_array_equal(nl.log_sigmoid.grad2(np.array([-INF, INF])), [0.0, 0.0])
    assert nl.log_sigmoid.grad2(0.0) == -0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_sigmoid_is_minus_zero_beyond_the_underflow_in_every_method(dtype):
    # log sigma(x) = -log1p(e^-x) is a tiny negative number: rounded, -0. derivatives'
    # f once gave +0 from min(x, 0) - log1p(0) in float32 (its wide form)
    x = np.array([746.0, 1e4, 3e38, np.inf], dtype=dtype)
    for f in (nl.log_sigmoid(x), nl.log_sigmoid.derivatives(x)[0]):
        np.testing.assert_array_equal(f, 0.0)
        assert np.signbit(f).all(), f


def test_softsign_closed_form_and_limits():
    x = X[2:-2]
    np.testing.assert_allclose(nl.softsign(x), x / (1 + np.abs(x)), rtol=5e-16)
    np.testing.assert_array_equal(nl.softsign(np.array([-INF, INF])), [-1.0, 1.0])
    np.testing.assert_array_equal(nl.softsign(np.array([-MAX, MAX])), [-1.0, 1.0])
    np.testing.assert_allclose(nl.softsign.grad(x), 1 / (1 + np.abs(x)) ** 2, rtol=5e-16)
    np.testing.assert_array_equal(nl.softsign.grad(np.array([-INF, 1e300, INF])), 0.0)
    # (1 + |x|)**2 overflows from 1.3e154, but the truth is representable up to 1.3e162.
    assert nl.softsign.grad(1e160) == pytest.approx(1e-320, rel=1e-3)
    assert nl.softsign.grad(1e154) == pytest.approx(1e-308, rel=1e-15)
    assert ulps(nl.softsign.grad2(-1e100), exact("softsign", -1e100, 2)) <= 1


def test_tanh_shrink_closed_form_and_limits():
    x = np.array([-8.0, -3.0, -1.6, 1.6, 3.0, 8.0])
    np.testing.assert_allclose(nl.tanh_shrink(x), x - np.tanh(x), rtol=8e-16)
    np.testing.assert_array_equal(nl.tanh_shrink(np.array([-INF, INF])), [-INF, INF])
    np.testing.assert_array_equal(nl.tanh_shrink.grad(np.array([-INF, INF])), [1.0, 1.0])
    np.testing.assert_array_equal(nl.tanh_shrink.grad2(np.array([-INF, INF])), [0.0, 0.0])
    np.testing.assert_allclose(nl.tanh_shrink.grad(x), np.tanh(x) ** 2, rtol=1e-15)


# --------------------------------------------------------------------------- tails (pitfalls.md)


@pytest.mark.parametrize(
    ("spec", "order", "x", "approximately"),
    [
        ("sigmoid", 1, 40.0, 4.248354255291589e-18),  # s(1 - s) gives 0
        ("sigmoid", 1, -40.0, 4.248354255291589e-18),
        ("sigmoid", 2, 40.0, -4.248354255291589e-18),
        ("sigmoid", 0, -710.0, 4.47628622567513e-309),  # subnormal, not 0
        ("sigmoid", 0, -745.0, 5e-324),
        ("sigmoid", 1, -710.0, 4.47628622567513e-309),
        ("log_sigmoid", 0, 710.0, -4.47628622567513e-309),  # not -0
        ("log_sigmoid", 2, -33.3, -3.45e-15),  # JAX gives -0
        ("log_sigmoid", 1, 40.0, 4.248354255291589e-18),
        ("tanh", 1, 19.1, 1.028e-16),  # JAX 1.55e-15, 1 - tanh**2 gives 0
        ("tanh", 2, -19.1, 2.056e-16),
        ("tanh", 1, 360.0, 8.129e-313),
        ("tanh_shrink", 0, 1e-9, 3.333333333333333e-28),  # torch gives 0
        ("tanh_shrink", 0, -1e-30, -3.333333333333333e-91),
        ("tanh_shrink", 0, 1.0, 0.2384058440442351),
        ("tanh_shrink", 2, 1e-200, 2e-200),
        ("softsign", 1, 1e300, 0.0),  # JAX gives 1e-300
        ("scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)", 1, 30.0, 1.944e-17),
    ],
)
def test_tails_keep_full_relative_accuracy(spec, order, x, approximately):
    act = nl.get(spec)
    ours = float((act, act.grad, act.grad2)[order](x))
    truth = exact(spec, x, order)
    assert ours == pytest.approx(approximately, rel=2e-3, abs=1e-323)
    assert ulps(ours, truth) <= 2, f"{spec} order {order} at {x}: {ours!r} vs {truth!r}"


@pytest.mark.parametrize("spec", FAMILY)
def test_within_four_ulp_on_a_wide_grid(spec):
    act = nl.get(spec)
    magnitudes = np.geomspace(1e-300, 1e300, 61)
    x = np.concatenate([-magnitudes, magnitudes, np.linspace(-40, 40, 81), [5e-324, 1e-310]])
    values = (act(x), act.grad(x), act.grad2(x))
    for order, ours in enumerate(values):
        errors = [ulps(mine, exact(spec, point, order)) for mine, point in zip(ours, x)]
        worst = int(np.argmax(errors))
        assert errors[worst] <= 4, f"{spec} order {order} at x={x[worst]!r}: {errors[worst]}"


def test_derivatives_share_the_separate_values():
    x = np.concatenate([np.linspace(-50, 50, 201), [-800.0, 800.0, 1e-300, -INF, INF]])
    for spec in FAMILY:
        act = nl.get(spec)
        fused = act.derivatives(x)
        for separate, together in zip((act(x), act.grad(x), act.grad2(x)), fused):
            np.testing.assert_array_equal(separate, together, err_msg=spec)


def test_no_nan_for_finite_input_and_nan_propagates():
    x = np.array([-MAX, -1e300, -700.0, -1e-320, -0.0, 0.0, 1e-320, 700.0, 1e300, MAX])
    for spec in FAMILY:
        act = nl.get(spec)
        for method in (act.fn, act.grad, act.grad2):
            assert not np.isnan(method(x)).any(), spec
            assert np.isnan(method(np.array([math.nan]))).all(), spec


# --------------------------------------------------------------------------- kinks


def test_softsign_second_derivative_at_its_kink_is_zero():
    assert nl.softsign.kinks == (0.0,)
    np.testing.assert_array_equal(nl.softsign.grad2(np.array([-0.0, 0.0])), [0.0, 0.0])
    assert not np.signbit(nl.softsign.grad2(np.array([-0.0])))[0]
    assert nl.softsign.grad2(1e-300) == -2.0 and nl.softsign.grad2(-1e-300) == 2.0
    assert nl.softsign.grad(0.0) == 1.0  # f' is continuous


def test_analytic_members_declare_no_kinks():
    for spec in FAMILY:
        act = nl.get(spec)
        assert act.kinks == ((0.0,) if spec == "softsign" else ())


# --------------------------------------------------------------------------- parameters


def test_scaled_tanh_parameters():
    assert str(nl.ScaledTanh(2 / 3, 1.7159)) == (
        "scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)"
    )
    with pytest.raises(nl.ParameterError, match="scale_in"):
        nl.ScaledTanh(scale_in=0.0)
    with pytest.raises(nl.ParameterError, match="scale_out"):
        nl.ScaledTanh(scale_out=INF)
    with pytest.raises(nl.ParameterError, match="scale_in"):
        nl.ScaledTanh(scale_in=math.nan)
    assert nl.ScaledTanH is nl.ScaledTanh
    assert nl.get("ScaledTanH", dialect="lasagne") == nl.scaled_tanh


def test_scaled_tanh_extreme_scales_stay_finite_and_accurate():
    for scale_in, scale_out in ((1e300, 1e-300), (1e-300, 1e300), (3e200, 7e200)):
        act = nl.ScaledTanh(scale_in, scale_out)
        x = np.array([-INF, -1.0 / scale_in, 0.0, 0.5 / scale_in, 20.0 / scale_in, INF])
        for method in (act.fn, act.grad, act.grad2):
            assert not np.isnan(method(x)).any()
        sech2 = 1 / np.cosh(0.5) ** 2
        assert act.grad(0.5 / scale_in) == pytest.approx(scale_in * scale_out * sech2, rel=1e-14)


def test_the_other_members_take_no_parameters():
    for name in ("sigmoid", "tanh", "log_sigmoid", "softsign", "tanh_shrink"):
        assert nl.get(name).parameters() == {}
        with pytest.raises(nl.ParameterError):
            nl.get(f"{name}(1.0)")


def test_instances_and_aliases():
    assert nl.logistic is nl.sigmoid
    assert nl.get("logistic") == nl.get("expit") == nl.sigmoid
    assert nl.get("logsigmoid") == nl.log_sigmoid
    assert nl.get("soft_sign") == nl.softsign
    assert nl.get("Tanhshrink") == nl.tanh_shrink


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("spec", FAMILY)
def test_float32_is_kept_and_rounded_once(spec):
    act = nl.get(spec)
    x = np.array([-100.0, -88.0, -20.0, -1.5, -1e-3, 0.0, 1e-20, 2.0, 9.0, 50.0], np.float32)
    for method in (act.fn, act.grad, act.grad2):
        y = method(x)
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y, method(x.astype(np.float64)).astype(np.float32))


def test_float32_sigmoid_keeps_its_subnormal_tail():
    y = nl.sigmoid(np.array([-88.0, -100.0], np.float32))
    np.testing.assert_array_equal(y, np.exp(np.array([-88.0, -100.0])).astype(np.float32))
    assert y[0] == np.float32(6.0546014e-39)  # subnormal in float32


def test_torch_float32_and_float64():
    pytest.importorskip("torch")
    assert_torch_agrees_with_numpy(FAMILY)


# --------------------------------------------------------------------------- peers


GRID = np.linspace(-6.0, 6.0, 97)


def _torch_functions(torch):  # type: ignore[no-untyped-def]
    F = torch.nn.functional
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)": (
            lambda t: 1.7159 * torch.tanh(0.6666666666666666 * t)
        ),
        "log_sigmoid": F.logsigmoid,
        "softsign": F.softsign,
        "tanh_shrink": F.tanhshrink,
    }


def test_derivatives_match_torch_autodiff():
    torch = pytest.importorskip("torch")
    x = GRID[np.abs(GRID) > 1e-3]  # softsign's kink; tanh_shrink cancels near 0 in torch
    for spec, function in _torch_functions(torch).items():
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = function(t)
        (g,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        (g2,) = torch.autograd.grad(g.sum(), t)
        act = nl.get(spec)
        for ours, theirs in ((act(x), y), (act.grad(x), g), (act.grad2(x), g2)):
            np.testing.assert_allclose(
                ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=spec
            )


def test_derivatives_match_jax_autodiff():
    jax = pytest.importorskip("jax")
    jnn, jnp = jax.nn, jax.numpy
    functions = {
        "sigmoid": jnn.sigmoid,
        "tanh": jnp.tanh,
        "log_sigmoid": jnn.log_sigmoid,
        "softsign": jnn.soft_sign,
    }
    x = GRID[np.abs(GRID) > 1e-3]
    with jax.enable_x64(True):
        t = jnp.asarray(x, dtype=jnp.float64)
        for spec, function in functions.items():
            first = jax.grad(function)
            second = jax.grad(first)
            act = nl.get(spec)
            peer = (function(t), jax.vmap(first)(t), jax.vmap(second)(t))
            for ours, theirs in zip((act(x), act.grad(x), act.grad2(x)), peer):
                np.testing.assert_allclose(
                    ours, np.asarray(theirs), rtol=1e-12, atol=1e-15, err_msg=spec
                )
