"""Learnable activations: parameter and input derivatives against central differences,
theanets' shapes, initialisers and formulas, sizing (``units=``, ``shape=``, lazy),
the canonical spec, pickling, errors, and rrelu's training form."""

from __future__ import annotations

import copy
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin as nl
from nonlin.errors import InputError, ParameterError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _shared import LEARNABLE_SPECS

SPECS = [*LEARNABLE_SPECS, "snake(init=0.5)"]
H = 1e-6


def fresh(spec: str, x: np.ndarray, seed: int = 0) -> nl.Activation:
    """An instance of its own (``nl.get`` shares instances), sized for ``x``, with
    its parameters jittered so that units differ from one another."""
    act = nl.get(spec).clone()
    act.init_params(shape=x.shape, rng=seed)
    rng = np.random.default_rng(seed + 1)
    for value in act.params.values():
        value += 0.1 * rng.standard_normal(value.shape)
    return act


def sample(seed: int = 0, shape: tuple[int, ...] = (6, 3)) -> np.ndarray:
    """Inputs on [-4, 4] (both PAU regimes), kept clear of 0 (a kink of most)."""
    x = np.random.default_rng(seed).uniform(-4.0, 4.0, shape)
    return np.where(np.abs(x) < 0.05, x + 0.1, x)


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("spec", SPECS)
def test_param_vjp_matches_central_differences(spec):
    x = sample()
    dy = np.random.default_rng(5).standard_normal(x.shape)
    act = fresh(spec, x)
    got = act.param_vjp(x, dy)
    assert set(got) == set(act.params)
    for name, value in act.params.items():
        assert got[name].shape == value.shape, name
        want = np.zeros(value.shape)
        for index in np.ndindex(value.shape):
            keep = value[index]
            value[index] = keep + H
            up = np.sum(dy * act(x))
            value[index] = keep - H
            down = np.sum(dy * act(x))
            value[index] = keep
            want[index] = (up - down) / (2 * H)
        np.testing.assert_allclose(got[name], want, rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("spec", SPECS)
def test_input_vjp_grad_and_grad2_match_central_differences(spec):
    x = sample(1)
    dy = np.random.default_rng(6).standard_normal(x.shape)
    act = fresh(spec, x)
    first = (act(x + H) - act(x - H)) / (2 * H)
    second = (act.grad(x + H) - act.grad(x - H)) / (2 * H)
    np.testing.assert_allclose(act.vjp(x, dy), dy * first, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.grad(x), first, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.grad2(x), second, rtol=1e-5, atol=1e-7)
    f, df, d2f = act.derivatives(x)
    np.testing.assert_array_equal(f, act(x))
    np.testing.assert_array_equal(df, act.grad(x))
    np.testing.assert_array_equal(d2f, act.grad2(x))


@pytest.mark.parametrize("spec", ["prelu(axis=1)", "maxout(pieces=2, axis=1)", "snake(axis=1)"])
def test_channels_first_parameters_reduce_over_batch_and_space(spec):
    x = sample(2, (2, 3, 4))
    act = fresh(spec, x)
    assert act.units == 3
    grads = act.param_vjp(x, np.ones_like(x))
    for name, value in act.params.items():
        assert value.shape[0] == 3 and grads[name].shape == value.shape
    # unit c only sees x[:, c, :]: its gradient is that of the 1-unit problem
    for c in range(3):
        one = nl.get(spec).clone()
        one.set_params({k: v[c : c + 1] for k, v in act.params.items()})
        part = one.param_vjp(x[:, c : c + 1, :], np.ones((2, 1, 4)))
        for name in act.params:
            np.testing.assert_allclose(grads[name][c], part[name][0], rtol=1e-12)


def test_param_vjp_keeps_the_input_dtype():
    act = nl.PReLU(axis=-1)
    x = sample().astype(np.float32)
    grads = act.param_vjp(x, np.ones_like(x))
    assert grads["slope"].dtype == np.float32 and grads["slope"].shape == (3,)


@pytest.mark.parametrize("module", ["torch", "jax.numpy"])
@pytest.mark.parametrize("spec", ["prelu(axis=-1)", "maxout:3", "pau"])
def test_other_namespaces_give_the_numpy_values(module, spec):
    lib = pytest.importorskip(module)
    x = sample(3)
    act = fresh(spec, x)
    if module == "jax.numpy":
        import jax

        with jax.enable_x64(True):
            got = np.asarray(act(lib.asarray(x)))
    else:
        got = act(lib.asarray(x)).numpy()
    np.testing.assert_allclose(got, act(x), rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- theanets


def test_theanets_lgrelu_shapes_init_and_formula():
    act = nl.LGReLU(axis=-1)
    act.init_params(4000, rng=0)
    assert act.param_names == ("gain", "leak")
    for name in ("gain", "leak"):
        value = act.params[name]
        assert value.shape == (4000,) and (value >= 0).all()
        # 0.1 * |randn|: mean 0.1 * sqrt(2 / pi)
        assert abs(value.mean() - 0.1 * math.sqrt(2 / math.pi)) < 0.005
    x = np.random.default_rng(1).standard_normal((3, 4000)) * 5
    g, lk = act.params["gain"], act.params["leak"]
    theanets = np.exp(g) * (x + np.abs(x)) / 2 + np.exp(lk) * (x - np.abs(x)) / 2
    np.testing.assert_allclose(act(x), theanets, rtol=1e-15, atol=0)


def test_theanets_prelu_is_lgrelu_without_gain():
    act = nl.LGReLU(learn_gain=False, axis=-1)
    act.init_params(5, rng=2)
    assert act.param_names == ("leak",) and act.params["leak"].shape == (5,)
    assert (act.params["leak"] >= 0).all()
    x = np.linspace(-3, 3, 20).reshape(4, 5)
    leak = act.params["leak"]
    theanets = (x + np.abs(x)) / 2 + np.exp(leak) * (x - np.abs(x)) / 2
    np.testing.assert_allclose(act(x), theanets, rtol=1e-15, atol=0)
    assert set(act.param_vjp(x, np.ones_like(x))) == {"leak"}


def test_theanets_elu_has_a_learned_log_gain():
    act = nl.LearnableELU(init_std=0.1, log=True, axis=-1)
    act.init_params(6, rng=3)
    gain = act.params["gain"]
    assert act.param_names == ("gain",) and gain.shape == (6,) and (gain >= 0).all()
    x = np.linspace(-5, 5, 24).reshape(4, 6)
    theanets = x * (x >= 0) + np.exp(gain) * (np.exp(x) - 1) * (x < 0)
    np.testing.assert_allclose(act(x), theanets, rtol=1e-14, atol=1e-16)


def test_theanets_maxout_lines_per_unit():
    act = nl.get("maxout(pieces=3, axis=-1)").clone()
    act.init_params(2000, rng=4)
    slope, intercept = act.params["slope"], act.params["intercept"]
    assert slope.shape == intercept.shape == (2000, 3)
    for value in (slope, intercept):  # randn
        assert abs(value.std() - 1) < 0.03 and abs(value.mean()) < 0.03
    x = np.random.default_rng(5).standard_normal((3, 2000)) * 3
    theanets = np.max(x[..., None] * slope + intercept, axis=-1)
    np.testing.assert_allclose(act(x), theanets, rtol=1e-15, atol=1e-15)
    assert act(x).shape == x.shape


THEANETS = {
    "prelu": "lgrelu(learn_gain=False, axis=-1)",
    "leaky-relu": "lgrelu(learn_gain=False, axis=-1)",
    "lgrelu": "lgrelu(axis=-1)",
    "leaky-gain-relu": "lgrelu(axis=-1)",
    "elu": "elu_learnable(init_std=0.1, log=True, axis=-1)",
    "maxout:3": "maxout(pieces=3, axis=-1)",
}
FRAMEWORKS = [
    ("torch", "PReLU", "prelu"),  # num_parameters=1, init=0.25
    ("torch", "RReLU", "rrelu"),
    ("puzzlelib", "PRelu", "prelu(axis=1)"),  # one slope per channel, init 0.25
    ("keras", "PReLU", "prelu(init=0.0, axis=-1)"),  # alpha_initializer zeros, per unit
    ("keras2", "PReLU", "prelu(init=0.0, axis=-1)"),
]


@pytest.mark.parametrize(
    ("dialect", "name", "want"),
    [("theanets", k, v) for k, v in THEANETS.items()] + FRAMEWORKS,
    ids=lambda v: str(v),
)
def test_dialects_name_the_frameworks_learnable_activations(dialect, name, want):
    assert str(nl.get(name, dialect=dialect)) == want


# --------------------------------------------------------------------------- sizing


def test_units_shape_and_lazy_sizing():
    eager = nl.PReLU(axis=-1)
    assert eager.params == {} and eager.units is None
    assert eager.param_shapes(7) == {"slope": (7,)}
    eager.init_params(7)
    assert eager.units == 7 and eager.params["slope"].shape == (7,)

    by_shape = nl.Maxout(pieces=4, axis=1)
    by_shape.init_params(shape=(2, 5, 8), rng=0)
    assert by_shape.params["slope"].shape == (5, 4)

    lazy = nl.Snake(axis=-1)
    y = lazy(np.ones((3, 9)))
    assert y.shape == (3, 9) and lazy.units == 9 and lazy.params["alpha"].shape == (9,)
    with pytest.raises(InputError, match="sized for 9 units"):
        lazy(np.ones((3, 4)))
    assert lazy.clone().params == {}

    shared = nl.PAU(m=3, n=2)
    assert shared.units is None
    assert {k: v.shape for k, v in shared.params.items()} == {"a": (4,), "b": (2,)}
    assert shared(np.ones((2, 3, 4))).shape == (2, 3, 4)


def test_initialisers_are_seedable():
    a, b = nl.Maxout(axis=-1), nl.Maxout(axis=-1)
    a.init_params(5, rng=11)
    b.init_params(5, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a.params["slope"], b.params["slope"])
    b.init_params(5, rng=12)
    assert not np.array_equal(a.params["slope"], b.params["slope"])


def test_clone_owns_its_parameters():
    act = nl.LGReLU(axis=-1)
    act.init_params(3, rng=0)
    twin = act.clone(copy_params=True)
    np.testing.assert_array_equal(twin.params["gain"], act.params["gain"])
    twin.params["gain"] += 1
    assert not np.array_equal(twin.params["gain"], act.params["gain"])
    assert nl.get("prelu(axis=-1)") is nl.get("prelu(axis=-1)")  # why layers clone


def test_pau_takes_the_side_of_x_where_its_denominator_underflows():
    """B(5e-324) = b1 * 5e-324 rounds to 0, but it is not the kink at 0: f' and f''
    are those of the side x is on (the same as at 1e-300)."""
    act = nl.PAU(m=3, n=2)
    act.set_params(a=[0.1, 0.5, 1.0, 0.2], b=[0.5, 2.0])
    for side in (1.0, -1.0):
        tiny, small = np.array([side * 5e-324]), np.array([side * 1e-300])
        assert act.grad(tiny)[0] == act.grad(small)[0]
        assert act.grad2(tiny)[0] == act.grad2(small)[0]
    assert act.grad2(np.array([5e-324]))[0] != act.grad2(np.array([-5e-324]))[0]


# Both regimes (|x| <= 1 direct, |x| > 1 in 1/x), the cancelling middle of the
# leaky_relu fit (f(-0.75) = -0.0014 from terms near 0.4) and the far tails, where
# float32 powers of x would overflow and f'' = -2.4e-38 at 1e10 cancels in g''.
PAU_POINTS = np.array(
    [-1e30, -1e10, -1e3, -3.0, -1.5, -1.0, -0.75, -1e-30, 1e-30, 0.5, 1.0, 2.0, 1e3, 1e10, 1e30]
)


def _pau_per_point() -> tuple[nl.Activation, np.ndarray]:
    """The default pau with one unit per point (param_vjp then sums nothing)."""
    x = PAU_POINTS[None, :]
    act = nl.PAU(axis=-1)
    act.init_params(shape=x.shape, rng=0)
    return act, x


def _in_float32(module: str, values: np.ndarray) -> tuple[object, object]:
    """``(array maker, context)`` for ``module``'s float32 arrays."""
    import contextlib

    lib = pytest.importorskip(module)
    context: object = contextlib.nullcontext()
    if module == "jax.numpy":
        import jax

        context = jax.enable_x64(True)
    return (lambda v: lib.asarray(np.asarray(v, dtype=np.float32))), context


@pytest.mark.parametrize("module", ["numpy", "torch", "jax.numpy", "array_api_strict"])
def test_pau_float32_is_its_float64_result_rounded_once(module):
    """Float32 is computed in float64 from the float64 coefficients (where the library
    has float64) and rounded once: f, f', f'', the fused pass, vjp and param_vjp equal
    the rounded float64 results, finite at |x| = 1e10 and 1e30 (no float32 power of x
    overflows, no cancellation of float32 terms shows)."""
    act, x = _pau_per_point()
    x = x.astype(np.float32).astype(np.float64)  # the float32 points, exactly
    make, context = _in_float32(module, x)
    dy = np.resize(np.array([1.0, -0.5, 2.0, 0.25, -1.5]), x.shape)
    with context:  # type: ignore[attr-defined]
        xs, dys = make(x), make(dy)
        got = {
            "fn": act(xs),
            "grad": act.grad(xs),
            "grad2": act.grad2(xs),
            "vjp": act.vjp(xs, dys),
            **dict(zip(("f", "df", "d2f"), act.derivatives(xs))),
            **{f"d{k}": v for k, v in act.param_vjp(xs, dys).items()},
        }
    want = {
        "fn": act(x),
        "grad": act.grad(x),
        "grad2": act.grad2(x),
        "vjp": act.vjp(x, dy),
        **dict(zip(("f", "df", "d2f"), act.derivatives(x))),
        **{f"d{k}": v for k, v in act.param_vjp(x, dy).items()},
    }
    for name, value in got.items():
        ours = np.asarray(value.cpu() if hasattr(value, "cpu") else value)
        assert ours.dtype == np.float32, name
        assert np.isfinite(ours).all(), (name, ours)
        expected = want[name].astype(np.float32)
        if module == "jax.numpy":  # XLA flushes float32 subnormal results to 0
            tiny = np.finfo(np.float32).tiny
            expected = np.where((np.abs(expected) < tiny) & (ours == 0), ours, expected)
        np.testing.assert_array_equal(ours, expected, err_msg=name)


def test_pau_float32_without_float64_stays_finite_and_close():
    """Where the library has no float64 (JAX outside x64 mode) float32 is computed
    natively, in pairs with the float64 coefficients split in two: no overflow at
    |x| = 1e10 or 1e30, and within a few ulp of the float64 values."""
    jnp = pytest.importorskip("jax.numpy")
    import jax

    act, x = _pau_per_point()
    x = x.astype(np.float32).astype(np.float64)
    with jax.enable_x64(False):
        xs = jnp.asarray(x, dtype=jnp.float32)
        assert xs.dtype == jnp.float32
        results = [act(xs), act.grad(xs), act.grad2(xs)]
        grads = act.param_vjp(xs, jnp.ones_like(xs))
    # f'' at 1e10 is -2.4e-38, just above float32's smallest normal number: 1e-43 is 35
    # of its ulps, what is left of the cancellation with 48-bit coefficients
    for method, value, atol in zip((act, act.grad, act.grad2), results, (0, 0, 1e-43)):
        ours = np.asarray(value)
        assert np.isfinite(ours).all()
        np.testing.assert_allclose(ours, method(x), rtol=3e-7, atol=atol)
    for name, value in grads.items():
        assert np.isfinite(np.asarray(value)).all(), name


def test_pau_float32_side_of_an_underflowing_denominator():
    """In float32, B(z) = b1 z underflows below z ~ 1e-38 (a flushing library already
    at 1e-30 for b1 = 1e-15): the side of z decides, as in float64 (the bound on |z|
    follows the dtype; 2**-500 is 0 in float32)."""
    import array_api_compat.numpy as xp

    act = nl.PAU(m=3, n=2)
    act.set_params(a=[0.1, 0.5, 1.0, 0.2], b=[0.5, 2.0])
    z = np.array([1e-45, -1e-45, 0.0], dtype=np.float32)
    p = act._broadcast({k: v.astype(np.float32) for k, v in act.params.items()}, z, xp)
    zero = np.zeros_like(z)
    np.testing.assert_array_equal(act._sign_of_b(z, p, zero, xp), [1.0, -1.0, 0.0])


def test_pau_starts_close_to_its_init():
    x = np.linspace(-3, 3, 61)
    for spec, target, tol in [("pau", "leaky_relu", 0.05), ("pau(init='tanh')", "tanh", 0.01)]:
        assert np.max(np.abs(nl.get(spec).clone()(x) - nl.get(target)(x))) < tol


# --------------------------------------------------------------------------- spec, pickle


@pytest.mark.parametrize("spec", SPECS)
def test_spec_carries_hyper_parameters_not_learned_values(spec):
    x = sample()
    act = fresh(spec, x)
    assert nl.get(str(act)) == act
    assert repr(act) == str(act)
    other = fresh(spec, x, seed=9)
    assert other == act and hash(other) == hash(act) and str(other) == str(act)
    for name in act.params:
        assert f"{name}=" not in str(act)


def test_canonical_forms():
    assert str(nl.get("maxout:3")) == "maxout(pieces=3)"
    assert str(nl.PReLU(axis=-1)) == "prelu(axis=-1)"
    assert str(nl.get("LGReLU(learn_gain=False, axis=-1)")) == "lgrelu(learn_gain=False, axis=-1)"
    assert str(nl.PAU(m=3, n=2, init="tanh")) == "pau(m=3, n=2, init='tanh')"


@pytest.mark.parametrize("spec", SPECS)
def test_pickle_and_deepcopy_keep_the_parameters(spec):
    x = sample()
    act = fresh(spec, x)
    for twin in (pickle.loads(pickle.dumps(act)), copy.deepcopy(act)):
        assert twin == act and str(twin) == str(act)
        for name, value in act.params.items():
            np.testing.assert_array_equal(twin.params[name], value)
        np.testing.assert_array_equal(twin(x), act(x))
    unsized = nl.get(spec).clone()
    assert pickle.loads(pickle.dumps(unsized)) == unsized


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: nl.Maxout(pieces=0), "'pieces' is 0; it must be >= 1"),
        (lambda: nl.get("maxout:0"), "'pieces' is 0"),
        (lambda: nl.PReLU(axis=1.5), "'axis' must be a whole number"),
        (lambda: nl.LGReLU(init_std=-1), "'init_std' is -1"),
        (lambda: nl.LGReLU(learn_gain=2), "choose one of True, False"),
        (lambda: nl.Snake(init=0), "'init' is 0; it must be > 0"),
        (lambda: nl.LearnableELU(init=-1), "'init' is -1"),
        (lambda: nl.PAU(n=0), "'n' is 0"),
        (lambda: nl.PAU(m=-1), "'m' is -1"),
        (lambda: nl.PAU(init="nope"), "init 'nope' is not an activation spec"),
        (lambda: nl.RReLU(lower=0.5, upper=0.1), r"upper \(0.1\) is below lower \(0.5\)"),
        (lambda: nl.RReLU(lower=-0.1), "'lower' is -0.1"),
    ],
)
def test_bad_hyper_parameters(build, match):
    with pytest.raises(ParameterError, match=match):
        build()


def test_pau_init_must_be_elementwise():
    if "softmax" not in nl.names():
        pytest.skip("softmax not registered yet")
    with pytest.raises(ParameterError, match="must be elementwise"):
        nl.PAU(init="softmax")


def test_bad_parameter_shapes_and_names():
    act = nl.Maxout(pieces=3, axis=-1)
    act.init_params(4, rng=0)
    with pytest.raises(ParameterError, match=r"'slope' must have shape \(4, 3\), not \(4, 2\)"):
        act.set_params(slope=np.zeros((4, 2)))
    with pytest.raises(ParameterError, match=r"has no parameter\(s\) \['gain'\]"):
        act.set_params(gain=np.zeros(4))
    act.set_params(slope=np.ones((4, 3)))
    np.testing.assert_array_equal(act.params["slope"], 1.0)
    shared = nl.PReLU()
    with pytest.raises(ParameterError, match=r"must have shape \(\), not \(2,\)"):
        shared.set_params(slope=[1.0, 2.0])


def test_bad_sizes():
    act = nl.PReLU(axis=-1)
    with pytest.raises(ParameterError, match="needs the number of units"):
        act.init_params()
    with pytest.raises(ParameterError, match=r"\(a positive int\), not 0"):
        act.init_params(0)
    with pytest.raises(ParameterError, match="disagrees with shape"):
        act.init_params(3, shape=(2, 4))
    with pytest.raises(ParameterError, match="out of range for shape"):
        nl.PReLU(axis=2).init_params(shape=(2, 4))
    with pytest.raises(InputError, match="out of range for a 1-d input"):
        nl.PReLU(axis=1)(np.ones(3))


# --------------------------------------------------------------------------- rrelu


def test_rrelu_training_form_is_seeded_and_within_bounds():
    act = nl.RReLU(lower=0.1, upper=0.3)
    x = np.linspace(-5, 5, 200).reshape(10, 20)
    y, d = act.forward_train(x, rng=3)
    y2, d2 = act.forward_train(x, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(d, d2)
    assert not np.array_equal(act.forward_train(x, rng=4)[0], y)
    negative = x < 0
    slopes = y[negative] / x[negative]
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and slopes.std() > 0.03
    np.testing.assert_allclose(d[negative], slopes, rtol=1e-15)
    np.testing.assert_array_equal(y[~negative], x[~negative])
    np.testing.assert_array_equal(d[~negative], 1.0)
    # evaluation: the mean slope
    np.testing.assert_allclose(act(np.array([-2.0, 3.0])), [-0.4, 3.0], rtol=1e-15)
    assert act.grad(np.array([-2.0]))[0] == pytest.approx(0.2)


# --------------------------------------------------------------------------- extremes

EXTREMES = np.array([-np.inf, -1e308, -1e30, -1.0, -0.0, 0.0, 5e-324, 1.0, 1e30, 1e308, np.inf])


@pytest.mark.parametrize("spec", [*SPECS, "snake(init=4.0)", "maxout(pieces=4, init_std=3.0)"])
def test_no_nan_from_finite_or_infinite_input_and_nan_stays_nan(spec):
    x = np.concatenate([EXTREMES, [np.nan]])[None, :]  # one row: every unit is a point
    act = fresh(spec, x.T if "axis=0" in spec else x)
    x = x.T if "axis=0" in spec else x
    with np.errstate(all="raise"):
        for method in (act.__call__, act.grad, act.grad2):
            y = method(x).ravel()
            assert not np.isnan(y[:-1]).any(), (method.__name__, y)
            assert np.isnan(y[-1]), method.__name__
        # one point at a time (a shared parameter would sum +inf and -inf); inf where
        # the gradient overflows (pau's a_5 at 1e308), never NaN
        for value in EXTREMES:
            point = np.full((1, 1), value)
            single = act.clone()
            single.init_params(shape=point.shape, rng=0)
            for name, g in single.param_vjp(point, np.ones_like(point)).items():
                assert not np.isnan(g).any(), (value, name, g)


def test_rrelu_keeps_nan_and_limits():
    x = np.concatenate([EXTREMES, [np.nan]])
    for method in (nl.rrelu, nl.rrelu.grad, nl.rrelu.grad2):
        y = method(x)
        assert not np.isnan(y[:-1]).any() and np.isnan(y[-1])
    assert nl.rrelu(np.array([-np.inf]))[0] == -np.inf
