"""First and second derivatives of every elementwise activation, checked several ways.

* grad against central differences of fn, grad2 against central differences of grad
  (float64, away from kinks; style.md example (d));
* ``derivatives()`` returns exactly ``(fn, grad, grad2)``; ``vjp`` is ``dy * grad`` and
  ``jvp`` is ``grad * v``;
* grad and grad2 against autodiff of PyTorch's and JAX's own implementation of the same
  function, where they have one (the ``PEERS`` table), on |x| <= 8 away from kinks;
* at a kink, grad and grad2 equal the one-sided limit of smaller magnitude (design.md,
  Kinks), the limits being read from our own grad and grad2 just beside the kink; where
  the two limits have opposite signs, 0 (the minimum-norm subgradient) is accepted too.

Covered: every built-in elementwise catalog entry at its defaults, plus every spec that
has mpmath reference formulas (``tests/mpref``), which adds non-default parameters.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin as nl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import ELEMENTWISE, points_away_from_kinks
from mpref import REFERENCES


def _specs() -> list[str]:
    specs = [str(act) for act in ELEMENTWISE if type(act).__module__.startswith("nonlin.")]
    specs += [spec for spec in REFERENCES if spec not in specs]
    return specs


SPECS = _specs()


def _grid(act: nl.Activation) -> np.ndarray:
    """Moderate points, kinks and their neighbours, tails, and +-inf."""
    tails = np.geomspace(1e-300, 1e300, 13)
    near = [k + d for k in act.kinks for d in (-1e-9, 0.0, 1e-9)]
    return np.concatenate(
        [np.linspace(-10.0, 10.0, 81), tails, -tails, near, [0.0, -0.0, np.inf, -np.inf]]
    )


# --------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize("spec", SPECS)
def test_derivatives_match_central_differences(spec):
    act = nl.get(spec)
    x, h = points_away_from_kinks(act), 1e-6
    ahead, behind = act(x + h), act(x - h)
    first = (ahead - behind) / (2 * h)
    # rounding error of a difference quotient: a few eps * |values| / h
    noise = 8 * np.finfo(float).eps * np.maximum(np.abs(ahead), np.abs(behind)) / h
    np.testing.assert_allclose(
        act.grad(x), first, rtol=1e-6, atol=1e-9 + noise.max(), err_msg=f"{spec} grad"
    )
    ahead, behind = act.grad(x + h), act.grad(x - h)
    second = (ahead - behind) / (2 * h)
    noise = 8 * np.finfo(float).eps * np.maximum(np.abs(ahead), np.abs(behind)) / h
    np.testing.assert_allclose(
        act.grad2(x), second, rtol=1e-5, atol=1e-8 + noise.max(), err_msg=f"{spec} grad2"
    )


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec", SPECS)
def test_derivatives_is_exactly_fn_grad_grad2(spec, dtype):
    act = nl.get(spec)
    with np.errstate(over="ignore"):
        x = _grid(act).astype(dtype)
    f, df, d2f = act.derivatives(x)
    np.testing.assert_array_equal(f, act(x), err_msg=f"{spec} f")
    np.testing.assert_array_equal(df, act.grad(x), err_msg=f"{spec} f'")
    np.testing.assert_array_equal(d2f, act.grad2(x), err_msg=f"{spec} f''")


@pytest.mark.parametrize("spec", SPECS)
def test_vjp_and_jvp_are_products_with_grad(spec):
    act = nl.get(spec)
    x = _grid(act)
    x = x[np.isfinite(x)]
    dy = np.random.default_rng(0).normal(size=x.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = dy * act.grad(x)
    np.testing.assert_allclose(act.vjp(x, dy), expected, rtol=1e-15, atol=0, err_msg="vjp")
    np.testing.assert_allclose(act.jvp(x, dy), expected, rtol=1e-15, atol=0, err_msg="jvp")
    small = np.linspace(-3, 3, 7, dtype=np.float32)
    assert act.vjp(small, small).dtype == act.jvp(small, small).dtype == np.float32


# --------------------------------------------------------------------------- kinks


def _one_sided(values: np.ndarray) -> tuple[float, float, float]:
    left, at, right = (float(v) for v in values)
    return left, at, right


def _has_kinks(spec: str) -> bool:
    try:
        return bool(nl.get(spec).kinks)
    except Exception:  # unresolvable: keep it, so that its tests fail and say why
        return True


@pytest.mark.parametrize("spec", [s for s in SPECS if _has_kinks(s)])
def test_at_a_kink_derivatives_are_the_smaller_one_sided_limit(spec):
    act = nl.get(spec)
    failures = []
    for kink in act.kinks:
        if not math.isfinite(kink):
            continue
        tiny = 1e-10 * max(1.0, abs(kink))
        x = np.array([kink - tiny, kink, kink + tiny])
        for name, method in (("grad", act.grad), ("grad2", act.grad2)):
            left, at, right = _one_sided(method(x))
            smaller = left if abs(left) <= abs(right) else right
            tolerance = 1e-6 * max(abs(left), abs(right)) + 1e-9
            tie = abs(abs(left) - abs(right)) <= tolerance
            candidates = [left, right] if tie else [smaller]
            if left * right < 0:  # opposite signs: the minimum-norm subgradient is 0
                candidates.append(0.0)
            if not any(abs(at - c) <= tolerance for c in candidates):
                failures.append(
                    f"{name}({kink!r}) = {at!r}; one-sided limits {left!r} (left), "
                    f"{right!r} (right): expected {smaller!r}"
                )
    assert not failures, f"{spec}:\n  " + "\n  ".join(failures)


# --------------------------------------------------------------------------- autodiff peers

# canonical name -> peer(params, library) -> (function of a tensor, max |x|) or None,
# where ``library`` is "torch" or "jax" and None means that library has no such function
# (or not with these parameters). Building an entry imports nothing: the functions
# import torch / jax when called. Only functions whose own autodiff is exact to ~1e-10
# on the points used are listed (torch's hardsigmoid backward uses float32 1/6 in
# float64, so hard_sigmoid_v3 is compared with JAX only).
Found = "tuple[Callable[[Any], Any], float] | None"
Peer = Callable[[dict[str, Any], str], Found]


def _call(lib: str, name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """``lambda x: <lib function name>(x, *args, **kwargs)``, resolved when called.

    torch: ``torch.nn.functional.<name>`` or ``torch.<name>``; jax: ``jax.nn.<name>``
    or ``jax.numpy.<name>``.
    """

    def function(x: Any) -> Any:
        if lib == "torch":
            import torch
            import torch.nn.functional as functional

            module = functional if hasattr(functional, name) else torch
        else:
            import jax

            module = jax.nn if hasattr(jax.nn, name) else jax.numpy
        return getattr(module, name)(x, *args, **kwargs)

    return function


def _simple(torch_name: str | None, jax_name: str | None, limit: float = 8.0) -> Peer:
    """A function without parameters."""

    def peer(p: dict[str, Any], lib: str) -> Any:
        name = torch_name if lib == "torch" else jax_name
        return None if p or name is None else (_call(lib, name), limit)

    return peer


def _one_param(torch_name: str | None, jax_name: str | None, key: str) -> Peer:
    """A function of ``(x, value)`` with one parameter, passed positionally."""

    def peer(p: dict[str, Any], lib: str) -> Any:
        name = torch_name if lib == "torch" else jax_name
        return None if set(p) != {key} or name is None else (_call(lib, name, p[key]), 8.0)

    return peer


def _peer_relu(p: dict[str, Any], lib: str) -> Any:
    slope, top, threshold = p["negative_slope"], p["max_value"], p["threshold"]
    if threshold != 0.0:
        return None
    if top == math.inf:
        return (_call(lib, "leaky_relu", slope) if slope else _call(lib, "relu")), 8.0
    if slope or lib != "torch":
        return None
    return _call(lib, "hardtanh", 0.0, top), 8.0


def _peer_bounds(p: dict[str, Any], lib: str) -> Any:
    if set(p) != {"min_val", "max_val"}:
        return None
    low, high = p["min_val"], p["max_val"]
    return _call(lib, "hardtanh" if lib == "torch" else "clip", low, high), 8.0


def _peer_threshold(p: dict[str, Any], lib: str) -> Any:
    if set(p) != {"threshold", "value"} or lib != "torch":
        return None
    return _call(lib, "threshold", p["threshold"], p["value"]), 8.0


def _peer_gelu(p: dict[str, Any], lib: str) -> Any:
    if set(p) - {"approximate"}:
        return None
    tanh = p.get("approximate", "none") in (True, "tanh")
    if lib == "torch":
        # torch's erf form 0.5 x (1 + erf(x / sqrt 2)) cancels below x = -4
        return _call(lib, "gelu", approximate="tanh" if tanh else "none"), 4.0
    return _call(lib, "gelu", approximate=tanh), 8.0


def _peer_softplus(p: dict[str, Any], lib: str) -> Any:
    if set(p) - {"beta", "threshold"} or p.get("threshold", math.inf) != math.inf:
        return None
    beta = p.get("beta", 1.0)
    if lib == "torch":
        return _call(lib, "softplus", beta=beta, threshold=1e300), 8.0
    inner = _call(lib, "softplus")
    return (lambda x: inner(beta * x) / beta), 8.0


def _peer_celu(p: dict[str, Any], lib: str) -> Any:
    alpha = p["alpha"]
    # torch's celu rounds alpha to float32 (1.3e-7 relative error in f' at alpha=0.1)
    if lib == "torch" and float(np.float32(alpha)) != alpha:
        return None
    return _call(lib, "celu", alpha), 8.0


def _peer_silu(p: dict[str, Any], lib: str) -> Any:
    if set(p) - {"beta"}:
        return None
    beta = p.get("beta", 1.0)
    inner = _call(lib, "sigmoid")
    return (lambda x: x * inner(beta * x)), 8.0


PEERS: dict[str, Peer] = {
    "relu": _peer_relu,
    "relu6": _simple("relu6", "relu6"),
    "leaky_relu": _one_param("leaky_relu", "leaky_relu", "negative_slope"),
    "clip": _peer_bounds,
    "hard_tanh": _peer_bounds,
    "threshold": _peer_threshold,
    "hard_shrink": _one_param("hardshrink", None, "lambd"),
    "soft_shrink": _one_param("softshrink", None, "lambd"),
    "hard_sigmoid_v3": _simple(None, "hard_sigmoid"),
    "sparse_sigmoid": _simple(None, "sparse_sigmoid"),
    "hard_silu": _simple("hardswish", "hard_silu"),
    "sparse_plus": _simple(None, "sparse_plus"),
    "elu": _one_param("elu", "elu", "alpha"),
    "celu": _peer_celu,
    "selu": _simple("selu", "selu"),
    "exponential": _simple("exp", "exp"),
    "sigmoid": _simple("sigmoid", "sigmoid"),
    "tanh": _simple("tanh", "tanh"),
    "log_sigmoid": _simple("logsigmoid", "log_sigmoid"),
    "softsign": _simple("softsign", "soft_sign"),
    "tanh_shrink": _simple("tanhshrink", None),
    "gelu": _peer_gelu,
    "silu": _peer_silu,
    "swish": _peer_silu,
    "mish": _simple("mish", "mish"),
    "softplus": _peer_softplus,
    "squareplus": _one_param(None, "squareplus", "b"),
}


def _peer_cases() -> list[Any]:
    cases = []
    for spec in SPECS:
        try:
            act = nl.get(spec)
        except Exception:  # reported by the other tests
            continue
        peer = PEERS.get(act.name)
        for lib in ("torch", "jax"):
            if peer is not None and peer(act.params_dict(), lib) is not None:
                cases.append(pytest.param(spec, lib, id=f"{spec}-{lib}"))
    return cases


def _autodiff(function: Any, x: np.ndarray, lib: str) -> tuple[np.ndarray, ...]:
    """f, f', f'' of a peer's function by its own autodiff, in float64."""
    if lib == "torch":
        torch = pytest.importorskip("torch")
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = function(t)
        (g,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        g2 = None
        if g.requires_grad:
            (g2,) = torch.autograd.grad(g.sum(), t, allow_unused=True)
        g2 = torch.zeros_like(t) if g2 is None else g2
        return tuple(v.detach().numpy() for v in (y, g, g2))
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        t = jax.numpy.asarray(x, dtype=jax.numpy.float64)
        first = jax.grad(function)
        second = jax.grad(first)
        values = (function(t), jax.vmap(first)(t), jax.vmap(second)(t))
        return tuple(np.asarray(v) for v in values)


@pytest.mark.parametrize(("spec", "lib"), _peer_cases())
def test_derivatives_match_peer_autodiff(spec, lib):
    act = nl.get(spec)
    function, limit = PEERS[act.name](act.params_dict(), lib)
    x = np.linspace(-limit, limit, 33)
    for kink in act.kinks:
        x = x[np.abs(x - kink) > 1e-3]
    peer = _autodiff(function, x, lib)
    ours = (act(x), act.grad(x), act.grad2(x))
    for name, mine, theirs in zip(("f", "f'", "f''"), ours, peer):
        np.testing.assert_allclose(
            mine, theirs, rtol=1e-10, atol=1e-13, err_msg=f"{spec} {name} vs {lib}"
        )
