"""JAX: catalog functions under jax.jit and jax autodiff, and nonlin.jax (custom_jvp
with nonlin's derivatives): ``jax.test_util.check_grads`` to second order in both
modes, jit, vmap, kinks, and learnable parameters' gradients.

check_grads runs op by op and is slow (seconds per activation on a loaded machine):
by default a subset that covers every family and helper; the whole catalog with
NONLIN_SLOW=1. The whole catalog is always checked in one jitted pass each for
values, f' and f''.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

import nonlin as nl  # noqa: E402
import nonlin.jax as nj  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import CATALOG, ELEMENTWISE  # noqa: E402

PLAIN = [a for a in ELEMENTWISE if not getattr(a, "learnable", False)]
GENERAL = [a for a in CATALOG if not a.elementwise]
SLOW = bool(os.environ.get("NONLIN_SLOW"))
# the custom_jvp on two entries with kinks, autodiff of one formula (the jitted
# whole-catalog tests below compare every derivative); all with NONLIN_SLOW=1
SUBSET = {"nonlin.jax": ("elu", "leaky_relu"), "formula": ("elu",)}
CASES = [
    pytest.param(act, wrap, id=f"{act}-{wrap}")
    for wrap in ("formula", "nonlin.jax")
    for act in PLAIN
    if SLOW or act.name in SUBSET[wrap]
]


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


def away_from_kinks(act: nl.Activation, n: int = 7) -> np.ndarray:
    x = np.linspace(-3.7, 3.3, n)
    for kink in act.kinks:
        x = x[np.abs(x - kink) > 1e-2]
    return x


@pytest.mark.parametrize(("act", "wrap"), CASES)
def test_check_grads_second_order_forward_and_reverse(act, wrap):
    f = nj.function(act) if wrap == "nonlin.jax" else act
    x = jnp.asarray(away_from_kinks(act))
    check_grads(f, (x,), order=2, modes=["fwd", "rev"], atol=1e-6, rtol=1e-6)


@pytest.mark.skipif(not SLOW, reason="slow (about 10 s): NONLIN_SLOW=1")
@pytest.mark.skipif("norm:z" not in nl.names(), reason="norm:z not registered yet")
def test_check_grads_through_a_normalizing_chain():
    f = nj.function("tanh+norm:z")
    x = jnp.asarray(np.random.default_rng(0).standard_normal((2, 6)))
    check_grads(f, (x,), order=2, modes=["fwd", "rev"], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "act", [a for a in GENERAL if SLOW or a.name in ("softmax", "norm:z", "glu")], ids=str
)
def test_not_elementwise_entries_jit_and_their_gradient_is_the_vjp(act):
    rng = np.random.default_rng(1)
    x, dy = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    f = nj.function(act)
    y = np.asarray(jax.jit(f)(jnp.asarray(x)))
    np.testing.assert_allclose(y, act(x), rtol=1e-13, atol=1e-15)
    dy = dy[..., : y.shape[-1]]
    g = jax.jit(jax.grad(lambda s: jnp.sum(jnp.asarray(dy) * f(s))))(jnp.asarray(x))
    np.testing.assert_allclose(g, act.vjp(x, dy), rtol=1e-10, atol=1e-12)


def _stacked(fns):
    return jax.jit(lambda s: jnp.stack([fn(s) for fn in fns]))


def test_every_entry_jits_and_its_jax_derivatives_are_ours():
    x = np.linspace(-3.7, 3.3, 12)
    wrapped = [nj.function(a) for a in PLAIN]
    slope = [jax.grad(lambda s, f=f: f(s).sum()) for f in wrapped]
    curvature = [lambda s, g=g: jax.jvp(g, (s,), (jnp.ones_like(s),))[1] for g in slope]
    values = np.asarray(_stacked(wrapped)(jnp.asarray(x)))
    firsts = np.asarray(_stacked(slope)(jnp.asarray(x)))
    seconds = np.asarray(_stacked(curvature)(jnp.asarray(x)))
    plain = np.asarray(_stacked(PLAIN)(jnp.asarray(x)))  # no custom_jvp: the formula
    for i, act in enumerate(PLAIN):
        np.testing.assert_allclose(values[i], act(x), rtol=1e-14, atol=1e-300, err_msg=str(act))
        np.testing.assert_allclose(plain[i], act(x), rtol=1e-14, atol=1e-300, err_msg=str(act))
        # custom_jvp: nonlin's closed forms (XLA's exp may differ from NumPy's by an ulp)
        np.testing.assert_allclose(
            firsts[i], act.grad(x), rtol=1e-14, atol=1e-300, err_msg=str(act)
        )
        np.testing.assert_allclose(
            seconds[i], act.grad2(x), rtol=1e-14, atol=1e-300, err_msg=str(act)
        )


def test_autodiff_of_the_formula_is_finite_to_second_order_everywhere():
    """No NaN from a discarded branch, in one jitted pass over the catalog."""
    x = jnp.asarray([-1e300, -1e4, -30.0, -1.0, -0.0, 0.0, 1.0, 30.0, 1e4, 1e300])
    slope = [jax.grad(lambda s, a=a: a(s).sum()) for a in PLAIN]
    curvature = [lambda s, g=g: jax.jvp(g, (s,), (jnp.ones_like(s),))[1] for g in slope]
    firsts = np.asarray(_stacked(slope)(x))
    seconds = np.asarray(_stacked(curvature)(x))
    for i, act in enumerate(PLAIN):
        ours = np.isfinite(act.grad(np.asarray(x))), np.isfinite(act.grad2(np.asarray(x)))
        assert np.isfinite(firsts[i])[ours[0]].all(), (str(act), firsts[i])
        assert np.isfinite(seconds[i])[ours[1]].all(), (str(act), seconds[i])


@pytest.mark.parametrize(
    ("spec", "at", "want"),
    [
        ("relu", 0.0, 0.0),
        ("leaky_relu", 0.0, 0.01),
        ("relu6", 6.0, 0.0),
        ("hard_sigmoid", 2.5, 0.0),
        ("hard_sigmoid", -2.5, 0.0),
        ("elu(alpha=0.5)", 0.0, 0.5),
    ],
)
def test_kinks_follow_the_convention(spec, at, want):
    g = jax.grad(nj.function(spec))(jnp.asarray(at))
    assert float(g) == want


def test_vmap_and_chains():
    f = nj.function("tanh+elu(alpha=0.5)")
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    act = nl.get("tanh+elu(alpha=0.5)")
    np.testing.assert_allclose(jax.vmap(f)(jnp.asarray(x)), act(x), rtol=1e-14)
    g = jax.vmap(jax.grad(lambda s: f(s).sum()))(jnp.asarray(x))
    np.testing.assert_allclose(g, act.grad(x), rtol=1e-14)


def test_float32_stays_float32():
    f = nj.function("elu")
    x = jnp.linspace(-2, 2, 5, dtype=jnp.float32)
    assert f(x).dtype == jnp.float32
    assert jax.grad(lambda s: f(s).sum())(x).dtype == jnp.float32


@pytest.mark.parametrize(
    "spec", ["prelu(axis=-1)", "maxout(pieces=3, axis=-1)", "pau(m=3, n=2)", "snake(axis=-1)"]
)
def test_learnable_parameter_gradients_are_param_vjp(spec):
    act = nl.get(spec).clone()
    x = np.random.default_rng(0).uniform(-3, 3, (5, 4))
    params = act.init_params(shape=x.shape, rng=1)
    dy = np.random.default_rng(2).standard_normal(x.shape)
    f = nj.learnable_function(act)

    def loss(p, s):
        return jnp.sum(jnp.asarray(dy) * f(s, p))

    jp = {k: jnp.asarray(v) for k, v in params.items()}
    gp, gx = jax.jit(jax.grad(loss, argnums=(0, 1)))(jp, jnp.asarray(x))
    want = act.param_vjp(x, dy)
    for name in params:
        np.testing.assert_allclose(gp[name], want[name], rtol=1e-12, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(gx, act.vjp(x, dy), rtol=1e-12, atol=1e-12)


def test_errors_name_the_right_function():
    with pytest.raises(ValueError, match=r"use nonlin\.jax\.learnable_function"):
        nj.function("prelu")
    with pytest.raises(ValueError, match=r"use nonlin\.jax\.function"):
        nj.learnable_function("gelu")
