"""The piecewise-linear family: closed forms, kinks, Keras relu, parameters, peers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin as nl
from nonlin.catalog import rectifiers
from nonlin.describe import docstring_formulas

INF = math.inf
NAN = math.nan
BIG = 8.99e307
MAX = 1.7976931348623157e308

FAMILY = [
    "relu",
    "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)",
    "relu(negative_slope=2.5, max_value=4.0)",
    "relu6",
    "leaky_relu",
    "leaky_relu(negative_slope=3.0)",
    "clip",
    "clip(min_val=-inf, max_val=1.0)",
    "hard_tanh",
    "threshold",
    "threshold(threshold=-0.5, value=2.0)",
    "hard_shrink",
    "hard_shrink(lambd=0.0)",
    "soft_shrink",
    "soft_shrink(lambd=0.0)",
    "hard_sigmoid",
    "hard_sigmoid_v3",
    "sparse_sigmoid",
    "hard_silu",
    "sparse_plus",
    "linear",
    "affine",
    "affine(slope=0.3, intercept=1.0)",
    "affine(slope=0.0, intercept=2.0)",
]


def check(actual: np.ndarray, expected: list[float]) -> None:
    """Equal, NaN where NaN, and with the same sign of zero."""
    expected_array = np.array(expected, dtype=np.float64)
    np.testing.assert_array_equal(actual, expected_array)
    zeros = expected_array == 0
    np.testing.assert_array_equal(np.signbit(actual[zeros]), np.signbit(expected_array[zeros]))


# --------------------------------------------------------------------------- closed forms

X = [-INF, -MAX, -4.0, -2.0, -0.5, -0.0, 0.0, 0.25, 2.0, 5.0, BIG, MAX, INF]

CLOSED_FORMS = {
    "relu": [0, 0, 0, 0, 0, 0, 0, 0.25, 2, 5, BIG, MAX, INF],
    "relu6": [0, 0, 0, 0, 0, 0, 0, 0.25, 2, 5, 6, 6, 6],
    "leaky_relu": [0.01 * v if v < 0 else v for v in X],
    "clip": [0, 0, 0, 0, 0, 0, 0, 0.25, 2, 5, 6, 6, 6],
    "hard_tanh": [-1, -1, -1, -1, -0.5, -0.0, 0, 0.25, 1, 1, 1, 1, 1],
    "threshold": [0, 0, 0, 0, 0, 0, 0, 0.25, 2, 5, BIG, MAX, INF],
    "hard_shrink": [-INF, -MAX, -4, -2, 0, 0, 0, 0, 2, 5, BIG, MAX, INF],
    "soft_shrink": [-INF, -MAX, -3.5, -1.5, 0, 0, 0, 0, 1.5, 4.5, BIG, MAX, INF],
    "hard_sigmoid": [0, 0, 0, 0.1, 0.4, 0.5, 0.5, 0.55, 0.9, 1, 1, 1, 1],
    "hard_sigmoid_v3": [0, 0, 0, 1 / 6, 5 / 12, 0.5, 0.5, 13 / 24, 5 / 6, 1, 1, 1, 1],
    "sparse_sigmoid": [0, 0, 0, 0, 0.25, 0.5, 0.5, 0.625, 1, 1, 1, 1, 1],
    "hard_silu": [0, 0, 0, -1 / 3, -5 / 24, -0.0, 0, 13 / 96, 5 / 3, 5, BIG, MAX, INF],
    "sparse_plus": [0, 0, 0, 0, 0.0625, 0.25, 0.25, 0.390625, 2, 5, BIG, MAX, INF],
    "linear": X,
    "affine": X,
}


@pytest.mark.parametrize("spec", CLOSED_FORMS)
def test_values_match_the_closed_form(spec):
    check(nl.get(spec)(np.array(X)), CLOSED_FORMS[spec])


FIRST = {
    "relu": [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
    "relu6": [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0],
    "hard_tanh": [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    "hard_sigmoid": [0, 0, 0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0],
    "hard_sigmoid_v3": [0, 0, 0] + [1 / 6] * 6 + [0, 0, 0, 0],
    "hard_silu": [0, 0, 0, -1 / 6, 1 / 3, 0.5, 0.5, 7 / 12, 7 / 6, 1, 1, 1, 1],
    "sparse_plus": [0, 0, 0, 0, 0.25, 0.5, 0.5, 0.625, 1, 1, 1, 1, 1],
    "soft_shrink": [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1],
}

SECOND = {
    "relu": [0] * 13,
    "hard_silu": [0, 0, 0] + [1 / 3] * 6 + [0, 0, 0, 0],
    "sparse_plus": [0, 0, 0, 0] + [0.5] * 4 + [0] * 5,
}


@pytest.mark.parametrize("spec", FIRST)
def test_first_derivative_matches_the_closed_form(spec):
    check(nl.get(spec).grad(np.array(X)), FIRST[spec])


@pytest.mark.parametrize("spec", SECOND)
def test_second_derivative_matches_the_closed_form(spec):
    check(nl.get(spec).grad2(np.array(X)), SECOND[spec])


def test_hard_sigmoid_v3_slope_is_the_float64_sixth():
    """torch's float64 backward returns the float32 1/6 (0.1666666716); ours must not."""
    grad = nl.hard_sigmoid_v3.grad(np.linspace(-2.9, 2.9, 7))
    assert np.all(grad == 1 / 6)
    assert grad.dtype == np.float64


def test_hard_sigmoid_keeps_relative_accuracy_next_to_its_lower_kink():
    x = np.array([-2.4999999999999996, -3 + 4.440892098500626e-16])
    np.testing.assert_array_equal(nl.hard_sigmoid(x[:1]), [4.440892098500626e-16 / 5])
    np.testing.assert_array_equal(nl.hard_sigmoid_v3(x[1:]), [4.440892098500626e-16 / 6])


def test_affine_keeps_relative_accuracy_at_its_root():
    # 0.3 * x + 1 at the float nearest -1/0.3: the exact value is -7.4014868308343753e-18.
    y = nl.Affine(slope=0.3, intercept=1.0)(np.array([-3.3333333333333335]))
    np.testing.assert_allclose(y, [-7.4014868308343753e-18], rtol=2e-16)


# --------------------------------------------------------------------------- zeros, NaN, inf


def test_relu_of_negative_zero_is_positive_zero():
    y = nl.relu(np.array([-0.0]))
    assert y[0] == 0 and not np.signbit(y[0])
    for spec in ("relu6", "clip", "threshold", "hard_sigmoid", "sparse_plus"):
        assert not np.signbit(nl.get(spec)(np.array([-0.0]))[0]), spec


def test_identity_pieces_keep_negative_zero():
    for spec in ("hard_tanh", "linear", "leaky_relu"):
        assert np.signbit(nl.get(spec)(np.array([-0.0]))[0]), spec


def test_no_overflow_for_huge_input():
    x = np.array([BIG, MAX, -BIG, -MAX])
    check(nl.relu(x), [BIG, MAX, 0, 0])
    check(nl.leaky_relu(x), [BIG, MAX, -0.01 * BIG, -0.01 * MAX])
    # 0.5 * (x - 1e300), where x - 1e300 alone would overflow at -MAX.
    exact = [-4.49500005e307, -0.5 * 1.7976931348623157e308 - 5e299]
    y = nl.ReLU(negative_slope=0.5, threshold=1e300)(x[2:])
    np.testing.assert_allclose(y, exact, rtol=2.3e-16)


@pytest.mark.parametrize("spec", FAMILY)
def test_infinite_input_gives_the_limit_and_no_nan(spec):
    act = nl.get(spec)
    x = np.array([-INF, INF])
    for y in act.derivatives(x):
        assert not np.any(np.isnan(y)), spec
    grid = np.concatenate([np.linspace(-8, 8, 161), [-MAX, -BIG, BIG, MAX]])
    for y in act.derivatives(grid):
        assert not np.any(np.isnan(y)), spec


def test_limits_at_minus_infinity():
    x = np.array([-INF])
    check(nl.relu(x), [0])
    check(nl.ReLU(negative_slope=0.2)(x), [-INF])
    check(nl.LeakyReLU(negative_slope=0.0)(x), [0])
    check(nl.hard_silu(x), [0])
    check(nl.Affine(slope=0.0, intercept=2.0)(np.array([-INF, INF])), [2, 2])
    check(nl.Affine(slope=-2.0, intercept=1.0)(np.array([-INF, INF])), [INF, -INF])
    check(nl.Threshold(threshold=1.0, value=-3.0)(x), [-3])


@pytest.mark.parametrize("spec", FAMILY)
def test_nan_input_gives_nan_value_and_derivatives(spec):
    f, df, d2f = nl.get(spec).derivatives(np.array([NAN, 1.0]))
    assert np.isnan(f[0]) and np.isnan(df[0]) and np.isnan(d2f[0])
    assert not np.isnan(f[1])


# --------------------------------------------------------------------------- kinks


KINKS = {
    "relu": (0.0,),
    "relu6": (0.0, 6.0),
    "leaky_relu": (0.0,),
    "clip": (0.0, 6.0),
    "clip(min_val=-inf, max_val=1.0)": (1.0,),
    "hard_tanh": (-1.0, 1.0),
    "threshold": (0.0,),
    "hard_shrink": (-0.5, 0.5),
    "hard_shrink(lambd=0.0)": (),
    "soft_shrink": (-0.5, 0.5),
    "hard_sigmoid": (-2.5, 2.5),
    "hard_sigmoid_v3": (-3.0, 3.0),
    "sparse_sigmoid": (-1.0, 1.0),
    "hard_silu": (-3.0, 3.0),
    "sparse_plus": (-1.0, 1.0),
    "linear": (),
    "affine": (),
    "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)": (1.0, 6.0),
}


@pytest.mark.parametrize("spec", KINKS)
def test_kinks_are_declared(spec):
    assert nl.get(spec).kinks == KINKS[spec]


@pytest.mark.parametrize("spec", FAMILY)
def test_at_a_kink_each_derivative_is_the_smaller_one_sided_limit(spec):
    act = nl.get(spec)
    for kink in act.kinks:
        h = 1e-9 * max(1.0, abs(kink))
        x = np.array([kink - h, kink, kink + h])
        for method in (act.grad, act.grad2):
            left, at, right = method(x)  # the one-sided limits, to within 1e-8
            smaller = left if abs(left) <= abs(right) else right
            assert at == pytest.approx(smaller, abs=1e-8), (spec, kink, method.__name__)


AT_KINKS = [
    ("relu", 0.0, 0.0, 0.0),
    ("leaky_relu", 0.0, 0.01, 0.0),
    ("leaky_relu(negative_slope=3.0)", 0.0, 1.0, 0.0),
    ("relu6", 0.0, 0.0, 0.0),
    ("relu6", 6.0, 0.0, 0.0),
    ("hard_tanh", -1.0, 0.0, 0.0),
    ("hard_tanh", 1.0, 0.0, 0.0),
    ("hard_sigmoid", -2.5, 0.0, 0.0),
    ("hard_sigmoid", 2.5, 0.0, 0.0),
    ("hard_sigmoid_v3", 3.0, 0.0, 0.0),
    ("sparse_sigmoid", 1.0, 0.0, 0.0),
    ("hard_silu", -3.0, 0.0, 0.0),
    ("hard_silu", 3.0, 1.0, 0.0),
    ("sparse_plus", -1.0, 0.0, 0.0),
    ("sparse_plus", 1.0, 1.0, 0.0),
    ("threshold(threshold=1.0)", 1.0, 0.0, 0.0),
    ("hard_shrink", 0.5, 0.0, 0.0),
    ("soft_shrink", -0.5, 0.0, 0.0),
    ("relu(negative_slope=0.1, max_value=6.0, threshold=1.0)", 1.0, 0.1, 0.0),
    ("relu(negative_slope=0.1, max_value=6.0, threshold=1.0)", 6.0, 0.0, 0.0),
    ("relu(negative_slope=2.5, max_value=4.0)", 0.0, 1.0, 0.0),
]


@pytest.mark.parametrize(("spec", "x", "grad", "grad2"), AT_KINKS)
def test_derivative_values_at_kinks(spec, x, grad, grad2):
    act = nl.get(spec)
    assert act.grad(np.array([x]))[0] == grad
    assert act.grad2(np.array([x]))[0] == grad2


@pytest.mark.parametrize("spec", FAMILY)
def test_derivatives_match_central_differences_away_from_kinks(spec):
    act = nl.get(spec)
    x = np.linspace(-7.0, 7.0, 57)
    for kink in act.kinks:
        x = x[np.abs(x - kink) > 1e-3]
    h = 1e-6
    np.testing.assert_allclose(act.grad(x), (act(x + h) - act(x - h)) / (2 * h), atol=1e-8)
    np.testing.assert_allclose(
        act.grad2(x), (act.grad(x + h) - act.grad(x - h)) / (2 * h), atol=1e-8
    )


# --------------------------------------------------------------------------- Keras relu


def test_keras_relu_with_slope_ceiling_and_threshold():
    act = nl.ReLU(negative_slope=0.1, max_value=6.0, threshold=1.0)
    x = np.array([-INF, -1.0, 0.5, 1.0, 1.5, 5.0, 6.0, 7.0, INF])
    check(act(x), [-INF, -0.2, -0.05, 0, 1.5, 5, 6, 6, 6])
    check(act.grad(x), [0.1, 0.1, 0.1, 0.1, 1, 1, 0, 0, 0])


def test_keras_relu_jumps_at_the_threshold():
    act = nl.ReLU(threshold=2.0)
    below, at, above = act(np.array([1.9999999999999998, 2.0, 2.0000000000000004]))
    assert below == 0 and at == 0 and above == 2.0000000000000004
    assert act.traits().smoothness == -1
    assert nl.relu.traits().smoothness == 0


def test_keras_relu_is_linear_in_x_minus_threshold_below_it():
    act = nl.ReLU(negative_slope=0.5, threshold=2.0)
    check(act(np.array([0.0, -2.0])), [-1.0, -2.0])


def test_relu_max_value_alone_is_relu6():
    x = np.linspace(-10, 10, 81)
    act = nl.ReLU(max_value=6.0)
    np.testing.assert_array_equal(act(x), nl.relu6(x))
    np.testing.assert_array_equal(act.grad(x), nl.relu6.grad(x))


def test_relu_slope_alone_is_leaky_relu():
    x = np.linspace(-10, 10, 81)
    np.testing.assert_array_equal(nl.ReLU(negative_slope=0.3)(x), nl.LeakyReLU(0.3)(x))
    np.testing.assert_array_equal(nl.ReLU(negative_slope=0.3).grad(x), nl.LeakyReLU(0.3).grad(x))


def test_relu_keyword_variants_at_call_time_keras_style():
    x = np.array([-2.0, 3.0, 9.0])
    check(nl.relu(x, max_value=6.0), [0, 3, 6])
    check(nl.relu(x, alpha=0.5), [-1, 3, 9])
    check(nl.relu(x, max_value=None), [0, 3, 9])
    assert nl.ReLU(max_value=None) == nl.relu
    assert str(nl.get("relu(alpha=0.1, max_value=6, threshold=1)")) == (
        "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)"
    )


# --------------------------------------------------------------------------- parameters

BAD = [
    ("relu(max_value=-1)", "max_value"),
    ("relu(negative_slope=-0.5)", "negative_slope"),
    ("relu(threshold=-1)", "threshold"),
    ("relu(threshold=2.0, max_value=1.0)", "max_value .* must be greater than threshold"),
    ("relu(threshold=inf)", "threshold"),
    ("leaky_relu(negative_slope=-0.1)", "negative_slope"),
    ("leaky_relu(negative_slope=inf)", "finite"),
    ("clip(min_val=1.0, max_val=0.0)", "min_val .* must be less than max_val"),
    ("clip(min_val=1.0, max_val=1.0)", "must be less than"),
    ("hard_tanh(min_val=inf)", "hard_tanh: min_val"),
    ("hard_shrink(lambd=-0.5)", "lambd"),
    ("soft_shrink(threshold=-1)", "lambd"),
    ("threshold(threshold=inf)", "finite"),
    ("affine(slope=inf)", "finite"),
]


@pytest.mark.parametrize(("spec", "message"), BAD)
def test_invalid_parameters_raise_parameter_error(spec, message):
    with pytest.raises(nl.ParameterError, match=message):
        nl.get(spec)


def test_class_constructors_validate_too():
    with pytest.raises(nl.ParameterError, match="greater than threshold"):
        nl.ReLU(threshold=3.0, max_value=3.0)
    with pytest.raises(nl.ParameterError, match="less than max_val"):
        nl.Clip(min_val=2.0, max_val=-2.0)
    with pytest.raises(nl.ParameterError, match="no parameter 'slope'"):
        nl.get("leaky_relu(slope=0.1)")


ALIASES = [
    ("relu(alpha=0.2)", "relu(negative_slope=0.2)"),
    ("leaky_relu(leakiness=0.2)", "leaky_relu(negative_slope=0.2)"),
    ("leaky_relu(alpha=0.2)", "leaky_relu(negative_slope=0.2)"),
    ("leaky_relu(a=0.2)", "leaky_relu(negative_slope=0.2)"),
    ("clip(a=-1, b=2)", "clip(min_val=-1.0, max_val=2.0)"),
    ("clip(min=-1, max=2)", "clip(min_val=-1.0, max_val=2.0)"),
    ("clip(lower=-inf, upper=2)", "clip(min_val=-inf, max_val=2.0)"),
    ("threshold(theta=1, default_value=-1)", "threshold(threshold=1.0, value=-1.0)"),
    ("hard_shrink(threshold=0.25)", "hard_shrink(lambd=0.25)"),
    ("soft_shrink(threshold=0.25)", "soft_shrink(lambd=0.25)"),
    ("hard_tanh(-2, 2)", "hard_tanh(min_val=-2.0, max_val=2.0)"),
    ("affine(2, 1)", "affine(slope=2.0, intercept=1.0)"),
]


@pytest.mark.parametrize(("spec", "canonical"), ALIASES)
def test_other_libraries_parameter_names(spec, canonical):
    assert str(nl.get(spec)) == canonical


def test_lasagne_names_and_instances():
    assert rectifiers.rectify is nl.relu
    assert rectifiers.leaky_rectify is nl.leaky_relu
    assert rectifiers.identity is nl.linear
    assert rectifiers.LeakyRectify is nl.LeakyReLU
    assert str(rectifiers.very_leaky_rectify) == "leaky_relu(negative_slope=0.3333333333333333)"
    assert nl.get("very_leaky_rectify") == rectifiers.very_leaky_rectify
    assert nl.get("rectify") == nl.relu
    for name in ("rectify", "leaky_rectify", "very_leaky_rectify", "identity", "LeakyRectify"):
        assert name in rectifiers.__all__


def test_hard_tanh_is_its_own_name_with_torch_defaults():
    assert str(nl.hard_tanh) == "hard_tanh"
    assert nl.hard_tanh != nl.Clip(min_val=-1.0, max_val=1.0)
    assert str(nl.get("hardtanh(min_val=0)")) == "hard_tanh(min_val=0.0)"
    np.testing.assert_array_equal(
        nl.hard_tanh(np.linspace(-3, 3, 13)), nl.Clip(-1.0, 1.0)(np.linspace(-3, 3, 13))
    )


def test_dialect_names_reach_this_family():
    assert nl.get("hardsigmoid", dialect="torch") == nl.hard_sigmoid_v3
    assert nl.get("hard_sigmoid", dialect="keras2") == nl.hard_sigmoid
    assert nl.get("ThresholdedReLU", dialect="keras2") == nl.Threshold(threshold=1.0)
    assert nl.get("hard_swish") == nl.hard_silu


def test_traits():
    assert nl.relu.traits().range == (0.0, INF)
    assert nl.get("relu(max_value=6)").traits().range == (0.0, 6.0)
    assert nl.leaky_relu.traits().zero_centred
    assert nl.hard_tanh.traits().symmetry == "odd"
    assert nl.hard_sigmoid.traits().range == (0.0, 1.0)
    assert nl.hard_silu.traits().range == (-0.375, INF)
    assert not nl.hard_silu.traits().monotonic
    assert nl.sparse_plus.traits().smoothness == 1
    assert nl.hard_shrink.traits().smoothness == -1
    assert nl.linear.traits().smoothness == math.inf


@pytest.mark.parametrize("spec", FAMILY)
def test_docstring_formulas_are_parsed(spec):
    formulas = docstring_formulas(type(nl.get(spec)))
    assert set(formulas) == {"f", "f'", "f''"}


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("spec", FAMILY)
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_numpy_low_precision_dtype_is_kept_and_rounded_once(spec, dtype):
    act = nl.get(spec)
    x = np.linspace(-8, 8, 33, dtype=dtype)
    for method in (act.fn, act.grad, act.grad2):
        y = method(x)
        assert y.dtype == dtype
        with np.errstate(over="ignore"):
            exact = method(x.astype(np.float64)).astype(dtype)
        np.testing.assert_array_equal(y, exact)


@pytest.mark.parametrize("spec", FAMILY)
def test_torch_float32_is_kept(spec):
    torch = pytest.importorskip("torch")
    act = nl.get(spec)
    x = torch.linspace(-8, 8, 33, dtype=torch.float32)
    reference = act(x.double().numpy())
    for y in act.derivatives(x):
        assert y.dtype == torch.float32
    np.testing.assert_allclose(act(x).numpy(), reference, rtol=1e-6, atol=1e-7)


def test_float32_bound_beyond_its_range_is_infinite():
    torch = pytest.importorskip("torch")
    act = nl.ReLU(max_value=1e300)
    y = act(torch.tensor([-1.0, 2.0, float("inf")], dtype=torch.float32))
    assert y.tolist() == [0.0, 2.0, INF]


# --------------------------------------------------------------------------- peers

GRID = np.concatenate([np.linspace(-8, 8, 161), [-1e300, 1e300]])


def _torch_cases(torch):  # type: ignore[no-untyped-def]
    F = torch.nn.functional
    return [
        ("relu", F.relu),
        ("relu6", F.relu6),
        ("leaky_relu", F.leaky_relu),
        ("leaky_relu(negative_slope=0.3)", lambda t: F.leaky_relu(t, 0.3)),
        ("hard_tanh", F.hardtanh),
        ("clip", lambda t: F.hardtanh(t, 0.0, 6.0)),
        ("threshold(threshold=1.0, value=-2.0)", lambda t: F.threshold(t, 1.0, -2.0)),
        ("hard_shrink", F.hardshrink),
        ("soft_shrink", F.softshrink),
        ("hard_sigmoid_v3", F.hardsigmoid),
        ("hard_silu", F.hardswish),
    ]


def test_values_and_gradients_agree_with_torch():
    torch = pytest.importorskip("torch")
    for spec, fn in _torch_cases(torch):
        act = nl.get(spec)
        x = torch.tensor(GRID, dtype=torch.float64, requires_grad=True)
        y = fn(x)
        (grad,) = torch.autograd.grad(y.sum(), x)
        np.testing.assert_allclose(act(GRID), y.detach().numpy(), rtol=1e-15, err_msg=spec)
        # torch's hardsigmoid backward uses the float32 1/6 (pitfalls.md, item 1), and
        # its hardswish backward is x/3 + 1/2 rather than (2x + 3)/6 (a few ulp apart).
        rtol = {"hard_sigmoid_v3": 1e-7, "hard_silu": 1e-15}.get(spec, 0)
        np.testing.assert_allclose(act.grad(GRID), grad.numpy(), rtol=rtol, err_msg=spec)


def test_torch_relu_kinks_agree_but_negative_zero_differs():
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.0, -0.0, 6.0], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.nn.functional.relu6(x).sum(), x)
    np.testing.assert_array_equal(nl.relu6.grad(x.detach().numpy()), grad.numpy())
    assert torch.signbit(torch.relu(torch.tensor(-0.0)))  # torch keeps -0.0 ...
    assert not np.signbit(nl.relu(np.array([-0.0]))[0])  # ... we give +0.0, as JAX


def test_values_agree_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnn, jnp = jax.nn, jax.numpy
    cases = [
        ("relu", jnn.relu),
        ("relu6", jnn.relu6),
        ("leaky_relu", jnn.leaky_relu),
        ("hard_tanh", jnn.hard_tanh),
        ("hard_sigmoid_v3", jnn.hard_sigmoid),
        ("hard_silu", jnn.hard_silu),
        ("sparse_sigmoid", jnn.sparse_sigmoid),
        ("sparse_plus", jnn.sparse_plus),
    ]
    x = jnp.asarray(GRID)
    for spec, fn in cases:
        # Other evaluation orders (and XLA's division by a constant as a product): a few ulp.
        np.testing.assert_allclose(nl.get(spec)(GRID), np.asarray(fn(x)), rtol=1e-15, err_msg=spec)
    # Away from the kinks and at relu's, the JAX gradients agree with ours.
    smooth = GRID[np.abs(np.abs(GRID) - 1) > 1e-9]
    np.testing.assert_allclose(
        nl.sparse_plus.grad(smooth),
        np.asarray(jax.vmap(jax.grad(jnn.sparse_plus))(jnp.asarray(smooth))),
        rtol=1e-15,
    )
    np.testing.assert_array_equal(nl.relu.grad(GRID), np.asarray(jax.vmap(jax.grad(jnn.relu))(x)))
    assert not np.signbit(np.asarray(jnn.relu(jnp.asarray(-0.0))))


@pytest.mark.parametrize("backend", ["torch", "jax.numpy", "array_api_strict"])
def test_every_backend_gives_the_numpy_values(backend):
    module = pytest.importorskip(backend)
    if backend == "jax.numpy":
        import jax

        jax.config.update("jax_enable_x64", True)
    x = np.array([-INF, -4.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, INF])
    for spec in FAMILY:
        act = nl.get(spec)
        for method in ("fn", "grad", "grad2"):
            expected = getattr(act, method)(x)
            got = getattr(act, method)(module.asarray(x))
            got = np.asarray([float(v) for v in got])
            np.testing.assert_allclose(got, expected, rtol=2.3e-16, err_msg=f"{spec} {method}")
