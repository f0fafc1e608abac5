"""The normalizing family: softmax, log_softmax, softmin, sparsemax, glu, norm:*, standardize.

Values are checked against row-wise 50-digit mpmath references (within 4 ulp, float64
and float32), vjp/jvp against PyTorch autograd and against central differences, and
the two against each other; then axes, errors, degenerate rows and chains.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import nonlin as nl
from nonlin.errors import InputError, ParameterError

INF = math.inf
NAMES = [
    "softmax",
    "log_softmax",
    "softmin",
    "sparsemax",
    "glu",
    "norm:mean",
    "norm:max",
    "norm:std",
    "norm:z",
    "standardize",
]
# Non-default settings worth a reference too.
VARIANTS = [*NAMES, "norm:max(eps=0.5)", "norm:z(eps=0.0)", "standardize(epsilon=2.0)"]


# --------------------------------------------------------------------------- mpmath references


def _mp_row(row: np.ndarray) -> list[mpmath.mpf]:
    return [mpmath.mpf(float(value)) for value in row]


def _mp_softmax(x: list[mpmath.mpf]) -> list[mpmath.mpf]:
    top = max(x)
    e = [mpmath.exp(v - top) for v in x]
    total = mpmath.fsum(e)
    return [v / total for v in e]


def _mp_log_softmax(x: list[mpmath.mpf]) -> list[mpmath.mpf]:
    # log1p of the sum over all but one maximum: log(sum) would cancel at 50 digits.
    top = max(x)
    first = x.index(top)
    rest = mpmath.fsum(mpmath.exp(v - top) for j, v in enumerate(x) if j != first)
    return [(v - top) - mpmath.log1p(rest) for v in x]


def _mp_sparsemax(x: list[mpmath.mpf]) -> list[mpmath.mpf]:
    top = max(x)
    x = [v - top for v in x]
    running, size, support_sum = mpmath.mpf(0), 0, mpmath.mpf(0)
    for rank, value in enumerate(sorted(x, reverse=True), 1):
        running += value
        if 1 + rank * value > running:
            size, support_sum = rank, running
    tau = (support_sum - 1) / size
    return [max(v - tau, mpmath.mpf(0)) for v in x]


def _mp_glu(x: list[mpmath.mpf]) -> list[mpmath.mpf]:
    half = len(x) // 2
    return [a / (1 + mpmath.exp(-b)) for a, b in zip(x[:half], x[half:])]


def _mp_mean(x: list[mpmath.mpf]) -> mpmath.mpf:
    return mpmath.fsum(x) / len(x)


def _mp_std(x: list[mpmath.mpf]) -> mpmath.mpf:
    mean = _mp_mean(x)
    return mpmath.sqrt(mpmath.fsum((v - mean) ** 2 for v in x) / len(x))


def _mp_reference(act: nl.Activation):
    """The row function of ``act`` in mpmath."""
    name = act.name
    if name == "softmax":
        return _mp_softmax
    if name == "log_softmax":
        return _mp_log_softmax
    if name == "softmin":
        return lambda x: _mp_softmax([-v for v in x])
    if name == "sparsemax":
        return _mp_sparsemax
    if name == "glu":
        return _mp_glu
    if name == "norm:mean":
        return lambda x: [v - _mp_mean(x) for v in x]
    if name == "norm:max":
        eps = mpmath.mpf(act.eps)
        return lambda x: [v / (max(abs(w) for w in x) + eps) for v in x]
    if name == "norm:std":
        eps = mpmath.mpf(act.eps)
        return lambda x: [v / (_mp_std(x) + eps) for v in x]
    if name == "norm:z":
        eps = mpmath.mpf(act.eps)
        return lambda x: [(v - _mp_mean(x)) / (_mp_std(x) + eps) for v in x]
    if name == "standardize":
        eps = mpmath.mpf(act.epsilon)
        return lambda x: [(v - _mp_mean(x)) / mpmath.sqrt(_mp_std(x) ** 2 + eps) for v in x]
    raise AssertionError(name)


def _rows(dtype: type) -> np.ndarray:
    """Rows of 8: normal, wide exponents, +-1e300 mixes, large offsets, wide normals."""
    rng = np.random.default_rng(20261123)
    big = 1e300 if dtype is np.float64 else 1e37
    tiny = 1e-300 if dtype is np.float64 else 1e-37
    exponent = 300 if dtype is np.float64 else 37
    rows = [rng.normal(scale=3.0, size=8) for _ in range(12)]
    rows += [
        rng.choice([-1.0, 1.0], size=8) * 10.0 ** rng.uniform(-exponent, exponent, size=8)
        for _ in range(8)
    ]
    rows += [
        rng.choice([-big, big, -1.0, 2.0, tiny], size=8) * rng.uniform(0.5, 2.0, size=8)
        for _ in range(6)
    ]
    rows += [1e6 + rng.normal(size=8) for _ in range(4)]
    rows += [rng.normal(scale=300.0, size=8) for _ in range(6)]
    rows += [np.array([-50.0, 50.0, 0.0, 1.0, 3.0, -3.0, 49.0, 50.0])]  # a tie at the top
    rows += [np.array([0.1, 0.2, 0.25, 0.3, 0.3, -5.0, 0.29, 0.1])]
    return np.array(rows).astype(dtype)


def _ulps(ours: np.ndarray, truth: list[mpmath.mpf], dtype: type) -> np.ndarray:
    exact = np.array([float(v) for v in truth])
    rounded = exact.astype(dtype)
    unit = np.maximum(np.spacing(np.abs(rounded)), np.finfo(dtype).smallest_subnormal)
    error = np.abs(ours.astype(np.float64) - exact) / unit.astype(np.float64)
    same = ours.astype(np.float64) == rounded.astype(np.float64)  # also equal infinities
    return np.where(same, 0.0, error)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("spec", VARIANTS)
def test_values_are_within_4_ulp_of_mpmath(spec, dtype):
    act = nl.get(spec)
    reference = _mp_reference(act)
    rows = _rows(dtype)
    ours = act(rows)
    assert ours.dtype == dtype
    worst = 0.0
    with mpmath.workdps(50):
        for row, result in zip(rows, ours):
            worst = max(worst, float(_ulps(result, reference(_mp_row(row)), dtype).max()))
    assert worst <= 4, f"{spec} {dtype.__name__}: {worst} ulp"


def test_log_softmax_keeps_the_tiny_log_probability_of_the_maximum():
    y = nl.log_softmax(np.array([-50.0, 50.0, 0.0, 1.0]))
    with mpmath.workdps(50):
        truth = float(-mpmath.log1p(mpmath.exp(-49) + mpmath.exp(-50) + mpmath.exp(-100)))
    assert y[1] == pytest.approx(truth, rel=1e-15)  # -7.2e-22, not 0
    assert nl.log_softmax(np.array([-50.0, 50.0]))[1] == pytest.approx(-math.exp(-100), rel=1e-15)


def test_softmax_keeps_subnormal_probabilities():
    y = nl.softmax(np.array([710.0, -710.0, 0.0, 1.0]))
    assert y[0] == 1.0 and y[1] == 0.0  # exp(-1420): truly below every float
    assert y[2] == pytest.approx(math.exp(-710.0), rel=1e-15)  # 4.5e-309, subnormal
    assert y[3] == pytest.approx(math.exp(-709.0), rel=1e-15)


# --------------------------------------------------------------------------- torch autograd


def _torch_function(act: nl.Activation):
    """``act`` written with torch operations (for autograd), along ``act.axis``."""
    torch = pytest.importorskip("torch")
    axis = act.axis

    def mean(x):
        return x.mean(dim=axis, keepdim=True)

    def std(x):
        return x.std(dim=axis, keepdim=True, correction=0)

    def sparsemax(x):
        z, _ = torch.sort(x, dim=axis, descending=True)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        ranks = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
        cumulative = z.cumsum(dim=axis)
        support = (1 + ranks * z > cumulative).to(x.dtype)
        k = support.sum(dim=axis, keepdim=True)
        tau = ((z * support).sum(dim=axis, keepdim=True) - 1) / k
        return torch.clamp(x - tau, min=0)

    functions = {
        "softmax": lambda x: torch.softmax(x, dim=axis),
        "log_softmax": lambda x: torch.log_softmax(x, dim=axis),
        "softmin": lambda x: torch.nn.functional.softmin(x, dim=axis),
        "sparsemax": sparsemax,
        "glu": lambda x: torch.nn.functional.glu(x, dim=axis),
        "norm:mean": lambda x: x - mean(x),
        "norm:max": lambda x: x / (x.abs().amax(dim=axis, keepdim=True) + act.eps),
        "norm:std": lambda x: x / (std(x) + act.eps),
        "norm:z": lambda x: (x - mean(x)) / (std(x) + act.eps),
        "standardize": lambda x: (x - mean(x)) / torch.sqrt(std(x) ** 2 + act.epsilon),
    }
    return functions[act.name]


AXES = [0, 1, -1]


def _sample(seed: int = 0, shape: tuple[int, ...] = (4, 6, 8)) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=2.0, size=shape)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("spec", VARIANTS)
def test_vjp_and_jvp_match_torch_autograd(spec, axis):
    torch = pytest.importorskip("torch")
    act = nl.get(spec).replace(axis=axis)
    function = _torch_function(act)
    x = _sample(1)
    y = act(x)
    dy = np.random.default_rng(2).normal(size=y.shape)
    v = np.random.default_rng(3).normal(size=x.shape)
    tx = torch.from_numpy(x)
    value, pullback = torch.func.vjp(function, tx)
    _, pushed = torch.func.jvp(function, (tx,), (torch.from_numpy(v),))
    (expected_vjp,) = pullback(torch.from_numpy(dy))
    np.testing.assert_allclose(y, value.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.vjp(x, dy), expected_vjp.numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(act.jvp(x, v), pushed.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("spec", VARIANTS)
def test_jvp_matches_central_differences(spec):
    act = nl.get(spec)
    x = _sample(4, (5, 8))
    v = np.random.default_rng(5).normal(size=x.shape)
    h = 1e-6
    numeric = (act(x + h * v) - act(x - h * v)) / (2 * h)
    np.testing.assert_allclose(act.jvp(x, v), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("spec", VARIANTS)
def test_vjp_is_the_transpose_of_jvp(spec, axis):
    act = nl.get(spec).replace(axis=axis)
    x = _sample(6)
    dy = np.random.default_rng(7).normal(size=act(x).shape)
    v = np.random.default_rng(8).normal(size=x.shape)
    left = float(np.sum(act.vjp(x, dy) * v))
    right = float(np.sum(dy * act.jvp(x, v)))
    assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


def test_gradients_never_form_one_minus_a_probability():
    # Near a one-hot softmax, J_top,top = s (1 - s) is about exp(-40): the naive
    # s * (dy - <s, dy>) and dy - s * sum(dy) give 0 there.
    x = np.array([0.0, -40.0])
    small = math.exp(-40.0) / (1 + math.exp(-40.0))
    top = 1 / (1 + math.exp(-40.0))
    assert nl.softmax.vjp(x, [1.0, 0.0])[0] == pytest.approx(top * small, rel=1e-15)
    assert nl.softmax.jvp(x, [1.0, 0.0])[0] == pytest.approx(top * small, rel=1e-15)
    assert nl.log_softmax.vjp(x, [1.0, 0.0])[0] == pytest.approx(small, rel=1e-15)
    assert nl.log_softmax.jvp(x, [1.0, 0.0])[0] == pytest.approx(small, rel=1e-15)
    assert nl.softmin.vjp(-x, [1.0, 0.0])[0] == pytest.approx(-top * small, rel=1e-15)
    # norm:max at its arg max: d/dx (x / (x + eps)) = eps / (x + eps)^2, not 1/D - 1/D.
    y = nl.norm_max.jvp(np.array([3.0, 1.0]), np.array([1.0, 0.0]))
    assert y[0] == pytest.approx(1e-8 / (3.0 + 1e-8) ** 2, rel=1e-15)
    assert nl.norm_max.vjp(np.array([3.0, 1.0]), np.array([1.0, 0.0]))[0] == y[0]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_vjp_is_accurate_against_the_exact_jacobian(name):
    # Componentwise: |error| within a few ulp of (|J^T| |dy|)_j, J from mpmath.
    act = nl.get(name)
    rng = np.random.default_rng(19)
    worst = 0.0
    with mpmath.workdps(50):
        for scale in (1.0, 3.0, 30.0):
            x = rng.normal(scale=scale, size=8)
            dy = rng.normal(size=8)
            s = _mp_softmax(_mp_row(x))
            if name == "softmax":
                jac = [[s[i] * ((i == j) - s[j]) for j in range(8)] for i in range(8)]
            else:
                jac = [[(i == j) - s[j] for j in range(8)] for i in range(8)]
            dys = _mp_row(dy)
            exact = [mpmath.fsum(dys[i] * jac[i][j] for i in range(8)) for j in range(8)]
            size = [mpmath.fsum(abs(dys[i] * jac[i][j]) for i in range(8)) for j in range(8)]
            ours = act.vjp(x, dy)
            for j in range(8):
                unit = np.spacing(float(size[j]))
                worst = max(worst, abs(float(ours[j]) - float(exact[j])) / unit)
    assert worst <= 4


@pytest.mark.parametrize("name", NAMES)
def test_huge_cotangents_do_not_overflow(name):
    act = nl.get(name)
    x = np.array([1.0, 0.0, -1.0, 2.0])
    big = np.array([1e308, -1e308, 1.7e308, 0.0])
    dy = big[:2] if name == "glu" else big
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pulled = act.vjp(x, dy)
        pushed = act.jvp(x, big)
    assert np.isfinite(pulled).all() and np.isfinite(pushed).all()
    np.testing.assert_allclose(pulled, act.vjp(x, dy * 1e-300) * 1e300, rtol=1e-13)
    np.testing.assert_allclose(pushed, act.jvp(x, big * 1e-300) * 1e300, rtol=1e-13)


# --------------------------------------------------------------------------- axes and shapes


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", NAMES)
def test_axis_means_the_same_function_along_another_axis(name, axis):
    act = nl.get(name).replace(axis=axis)
    last = nl.get(name)
    x = _sample(9)
    v = np.random.default_rng(10).normal(size=x.shape)
    moved = np.moveaxis(x, axis, -1)
    np.testing.assert_array_equal(act(x), np.moveaxis(last(moved), -1, axis))
    np.testing.assert_array_equal(
        act.jvp(x, v), np.moveaxis(last.jvp(moved, np.moveaxis(v, axis, -1)), -1, axis)
    )


@pytest.mark.parametrize("name", NAMES)
def test_dim_is_torchs_spelling_of_axis(name):
    act = nl.get(f"{name}(dim=0)")
    assert act == nl.get(f"{name}(axis=0)") and act.axis == 0
    assert str(act) == f"{name}(axis=0)"
    x = _sample(11, (4, 6))
    np.testing.assert_array_equal(nl.get(name)(x, dim=0), act(x))


@pytest.mark.parametrize("name", NAMES)
def test_one_dimensional_input_is_fine(name):
    x = np.array([0.5, -1.0, 2.0, 3.5])
    y = nl.get(name)(x)
    assert y.shape == ((2,) if name == "glu" else (4,))
    np.testing.assert_array_equal(y, nl.get(name)(x[None, :])[0])


def test_glu_halves_the_axis_and_its_vjp_takes_the_outputs_shape():
    x = _sample(12, (3, 4, 6))
    act = nl.GLU(axis=1)
    y = act(x)
    assert y.shape == (3, 2, 6)
    a, b = x[:, :2], x[:, 2:]
    np.testing.assert_allclose(y, a / (1 + np.exp(-b)), rtol=1e-15)
    grad = act.vjp(x, np.ones_like(y))
    assert grad.shape == x.shape
    assert act.jvp(x, np.ones_like(x)).shape == y.shape
    with pytest.raises(InputError, match="shape"):
        act.vjp(x, np.ones_like(x))
    with pytest.raises(InputError, match=r"result has shape \(3, 2, 6\)"):
        act(x, out=np.empty_like(x))
    buffer = np.empty_like(y)
    assert act(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, y)
    into = np.empty_like(x)
    assert act.vjp(x, np.ones_like(y), out=into) is into
    np.testing.assert_array_equal(into, grad)


def test_a_chain_through_glu_takes_a_cotangent_of_its_output_shape():
    torch = pytest.importorskip("torch")
    x = _sample(13, (3, 8))
    act = nl.get("elu+glu+tanh")
    y = act(x)
    assert y.shape == (3, 4)
    dy = _sample(14, (3, 4))
    t = torch.tensor(x, requires_grad=True)
    a, b = torch.nn.functional.elu(t).chunk(2, dim=-1)
    torch.tanh(a * torch.sigmoid(b)).backward(torch.tensor(dy))
    np.testing.assert_allclose(act.vjp(x, dy), t.grad.numpy(), rtol=1e-13, atol=1e-300)
    assert act.jvp(x, np.ones_like(x)).shape == (3, 4)
    with pytest.raises(InputError, match=r"f\(x\) has shape \(3, 4\)"):
        act.vjp(x, np.ones_like(x))


def test_glu_keeps_a_large_value_times_a_subnormal_gate():
    # sigma(-740) = 4.2e-322 is subnormal (few bits); 1e300 * sigma(-740) is not.
    x = np.array([1e300, 3.0, -740.0, 740.0])
    with mpmath.workdps(50):
        truth = float(mpmath.mpf(1e300) * mpmath.exp(-740) / (1 + mpmath.exp(-740)))
        slope = float(mpmath.mpf(1e300) * mpmath.exp(-740) / (1 + mpmath.exp(-740)) ** 2)
    assert nl.glu(x)[0] == pytest.approx(truth, rel=4e-16)
    assert nl.glu.vjp(x, np.array([1.0, 0.0]))[2] == pytest.approx(slope, rel=4e-16)
    assert nl.glu.jvp(x, np.array([0.0, 0.0, 1.0, 0.0]))[0] == pytest.approx(slope, rel=4e-16)


def test_output_keeps_float32():
    x32 = _sample(13, (3, 8)).astype(np.float32)
    for name in NAMES:
        act = nl.get(name)
        assert act(x32).dtype == np.float32, name
        assert act.vjp(x32, np.ones_like(act(x32))).dtype == np.float32, name
        assert act.jvp(x32, np.ones_like(x32)).dtype == np.float32, name


def test_float32_torch_tensors_stay_float32():
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(_sample(14, (3, 8)).astype(np.float32))
    for name in NAMES:
        act = nl.get(name)
        y = act(x)
        assert isinstance(y, torch.Tensor) and y.dtype == torch.float32, name
        reference = act(x.numpy().astype(np.float64))
        np.testing.assert_allclose(y.numpy(), reference, rtol=2e-5, atol=1e-6)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", NAMES)
def test_scalar_input_is_an_input_error(name):
    act = nl.get(name)
    for call in (act, lambda x: act.vjp(x, 1.0), lambda x: act.jvp(x, 1.0)):
        with pytest.raises(InputError, match="0-d"):
            call(np.float64(1.5))


@pytest.mark.parametrize("name", NAMES)
def test_axis_out_of_range_is_an_input_error(name):
    act = nl.get(name).replace(axis=2)
    with pytest.raises(InputError, match=r"axis 2 is out of range for a 2-d input"):
        act(np.ones((2, 4)))
    with pytest.raises(InputError, match=r"axis -3 is out of range"):
        nl.get(name).replace(axis=-3).vjp(np.ones((2, 4)), np.ones((2, 4)))


@pytest.mark.parametrize("name", [name for name in NAMES if name != "glu"])
def test_an_empty_axis_is_an_input_error_but_an_empty_batch_is_fine(name):
    act = nl.get(name)
    with pytest.raises(InputError, match="axis -1 of the input has size 0"):
        act(np.ones((3, 0)))
    assert act(np.ones((0, 8))).shape == (0, 8)
    assert act.vjp(np.ones((0, 8)), np.ones((0, 8))).shape == (0, 8)


def test_glu_odd_size_names_the_size_and_the_fix():
    with pytest.raises(InputError, match=r"its size is 5 \(odd\); give that axis an even size"):
        nl.glu(np.ones((2, 5)))
    with pytest.raises(InputError, match="size is 3"):
        nl.GLU(axis=0).jvp(np.ones((3, 4)), np.ones((3, 4)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["grad", "grad2", "derivatives"])
def test_grad_is_refused_with_a_pointer_to_vjp(name, method):
    act = nl.get(name)
    with pytest.raises(TypeError, match=rf"not elementwise.*no {method}; use act.vjp"):
        getattr(act, method)(np.ones(4))


def test_parameters_are_checked():
    with pytest.raises(ParameterError, match="eps"):
        nl.NormZ(eps=-1.0)
    with pytest.raises(ParameterError, match="epsilon"):
        nl.Standardize(epsilon=-1e-5)
    with pytest.raises(ParameterError, match="whole number"):
        nl.Softmax(axis=0.5)
    with pytest.raises(ParameterError, match="no parameter 'eps'"):
        nl.get("softmax(eps=1)")


# --------------------------------------------------------------------------- degenerate rows


def test_an_all_minus_inf_row_gives_zeros_and_zero_gradients():
    x = np.array([[-INF, -INF, -INF, -INF], [0.0, 1.0, -INF, 2.0]])
    dy = np.ones_like(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for act in (nl.softmax, nl.sparsemax):
            y = act(x)
            np.testing.assert_array_equal(y[0], 0.0)
            assert y[1, 2] == 0.0 and y[1].sum() == pytest.approx(1.0)
            np.testing.assert_array_equal(act.vjp(x, dy)[0], 0.0)
            np.testing.assert_array_equal(act.jvp(x, dy)[0], 0.0)
        log = nl.log_softmax(x)
        np.testing.assert_array_equal(log[0], -INF)
        assert log[1, 2] == -INF and np.isfinite(log[1, [0, 1, 3]]).all()
        np.testing.assert_array_equal(nl.log_softmax.vjp(x, dy)[0], 0.0)
        np.testing.assert_array_equal(nl.log_softmax.jvp(x, dy)[0], 0.0)
        np.testing.assert_array_equal(nl.softmin(-x)[0], 0.0)


def test_plus_inf_entries_take_the_limit():
    x = np.array([[INF, 0.0, INF, -1.0], [INF, -INF, 3.0, 1.0]])
    np.testing.assert_array_equal(nl.softmax(x), [[0.5, 0.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(nl.sparsemax(x), [[0.5, 0.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(nl.log_softmax(x)[0], [-math.log(2), -INF, -math.log(2), -INF])
    np.testing.assert_array_equal(nl.norm_max(x), [[1.0, 0.0, 1.0, 0.0], [1.0, -1.0, 0.0, 0.0]])
    for act in (nl.norm_z, nl.standardize, nl.norm_std, nl.norm_mean):
        y = act(x)
        assert not np.isnan(y).any(), (act, y)
    # One infinity: (x - mean) / std -> sqrt(n - 1) there and -1/sqrt(n - 1) elsewhere.
    z = nl.norm_z(np.array([INF, 1.0, 2.0, 3.0]))
    np.testing.assert_allclose(z, [math.sqrt(3), *[-1 / math.sqrt(3)] * 3], rtol=1e-15)
    assert nl.norm_z(np.array([1e308, 1.0, 2.0, 3.0]))[0] == pytest.approx(math.sqrt(3))


def test_huge_and_tiny_rows_neither_overflow_nor_underflow():
    big = np.array([1e308, -1e308, 5e307, 1.7e308])
    tiny = big * 1e-300 * 1e-315  # about 1e-307
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for act in (nl.norm_z, nl.NormZ(eps=0.0), nl.Standardize(epsilon=0.0), nl.standardize):
            y = act(big)
            assert np.isfinite(y).all()
            np.testing.assert_allclose(y, act(big * 1e-300), rtol=1e-14)
        for act in (nl.NormZ(eps=0.0), nl.NormStd(eps=0.0), nl.Standardize(epsilon=0.0)):
            np.testing.assert_allclose(act(tiny), act(big * 1e-300), rtol=1e-14)
        assert np.isfinite(nl.norm_std(big)).all() and np.isfinite(nl.norm_mean(big)).all()
        np.testing.assert_allclose(nl.norm_mean(big), big - big.mean(dtype=np.longdouble))


def test_norm_std_divides_by_the_standard_deviation_without_centring():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(nl.norm_std(x), x / (np.std(x) + 1e-8), rtol=1e-15)
    np.testing.assert_allclose(nl.norm_z(x), (x - 2.5) / (np.std(x) + 1e-8), rtol=1e-15)
    np.testing.assert_allclose(nl.standardize(x), (x - 2.5) / np.sqrt(np.var(x) + 1e-5), rtol=1e-15)
    np.testing.assert_allclose(nl.norm_max(x), x / (4.0 + 1e-8), rtol=1e-15)


def test_a_constant_row_centres_to_exact_zeros():
    x = np.full((2, 7), 0.1)
    for act in (nl.norm_mean, nl.norm_z, nl.standardize):
        np.testing.assert_array_equal(act(x), 0.0)


def test_sparsemax_is_a_sparse_distribution():
    x = _sample(15, (6, 8))
    p = nl.sparsemax(x)
    assert (p >= 0).all() and (p == 0).any()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(nl.sparsemax(x + 1e3), p, atol=1e-12)


# --------------------------------------------------------------------------- chains


@pytest.mark.parametrize(
    "spec",
    ["elu(alpha=0.5)+norm:z", "tanh+softmax", "norm:mean+softplus+log_softmax", "glu+norm:max"],
)
def test_chains_backpropagate_like_torch(spec):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    stages = {
        "elu(alpha=0.5)": lambda t: functional.elu(t, alpha=0.5),
        "tanh": torch.tanh,
        "softplus": functional.softplus,
    }
    act = nl.get(spec)
    pieces = [stages.get(str(stage)) or _torch_function(stage) for stage in act.iter_stages()]

    def composed(t):
        for piece in pieces:
            t = piece(t)
        return t

    x = _sample(16, (3, 8))
    v = np.random.default_rng(17).normal(size=x.shape)
    tx = torch.from_numpy(x)
    value, pullback = torch.func.vjp(composed, tx)
    _, pushed = torch.func.jvp(composed, (tx,), (torch.from_numpy(v),))
    np.testing.assert_allclose(act(x), value.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.jvp(x, v), pushed.numpy(), rtol=1e-11, atol=1e-13)
    dy = np.random.default_rng(18).normal(size=value.shape)
    if tuple(value.shape) == x.shape:  # a chain's vjp takes dy shaped like x (see glu)
        (expected,) = pullback(torch.from_numpy(dy))
        np.testing.assert_allclose(act.vjp(x, dy), expected.numpy(), rtol=1e-11, atol=1e-13)


def test_theanets_and_jax_defaults():
    for name in ("norm:max", "norm:std", "norm:z"):
        assert nl.get(name, dialect="theanets").eps == 1e-8
        assert nl.get(name).eps == 1e-8
    assert nl.get("standardize", dialect="jax").epsilon == 1e-5
    assert not nl.softmax.elementwise and nl.softmax.axis == -1
