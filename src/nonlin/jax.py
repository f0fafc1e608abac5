"""JAX adapter: an activation as a jax function whose derivatives are nonlin's.

>>> import jax, nonlin.jax
>>> f = nonlin.jax.function("gelu")            # jax.custom_jvp: f' and f'' are ours
>>> jax.grad(lambda x: f(x).sum())(jax.numpy.ones(3))

Every nonlin activation already accepts jax arrays (the catalog is array-API code),
so ``jax.grad(lambda x: nl.gelu(x).sum())`` differentiates the formula itself, and
the formulas are written so that this is finite everywhere (no NaN through a
discarded ``where`` branch). :func:`function` goes one step further: it attaches
nonlin's closed forms with ``jax.custom_jvp``, so jax derivatives are exactly
``act.grad``/``act.grad2`` (and at a kink the one-sided limit of smaller magnitude,
design.md "Kinks", which autodiff of a formula does not promise):

* elementwise: the JVP of f is ``f'(x) t`` and the JVP of f' is ``f''(x) t``;
  third and higher orders differentiate the formula of f''.
* not elementwise (softmax, ``norm:*``, chains through them): jax differentiates
  nonlin's formula (written so that this is exact and finite). ``act.jvp`` is not
  used as a custom JVP because it rescales its tangent by a tangent-dependent factor
  (against overflow), which jax cannot transpose for reverse mode.

Both forward and reverse mode work (``jax.grad``, ``jax.jacfwd``, ``jax.hessian``),
and so do ``jax.jit`` and ``jax.vmap``. Learnable activations take their parameters
as arguments, ``f(x, params)``, and are differentiated by jax through their formulas
(with respect to ``x`` and the parameters); rrelu is its evaluation form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from .activation import Activation as _Activation
from .namespace import namespace
from .registry import get

__all__ = ["function", "learnable_function"]

_XP = namespace(jnp.zeros(0))  # jax.numpy with XLA's loose functions replaced


def _elementwise(act: _Activation) -> Callable[[Any], Any]:
    @jax.custom_jvp
    def slope(x: Any) -> Any:
        return act.grad(x)

    @slope.defjvp
    def _slope_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        return act.grad(x), act.grad2(x) * t

    @jax.custom_jvp
    def value(x: Any) -> Any:
        return act(x)

    @value.defjvp
    def _value_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        return act(x), slope(x) * t

    return value


def function(spec: Any, dialect: str | None = None) -> Callable[[Any], Any]:
    """``spec`` as a jax function of one array whose derivatives are nonlin's.

    Works under ``jax.jit``/``jax.vmap``; differentiable to any order. For elementwise
    activations orders one and two are nonlin's closed forms; for the others jax
    differentiates the formula. Learnable activations: see :func:`learnable_function`.
    """
    act = get(spec, dialect)
    for stage in act.iter_stages():
        if getattr(stage, "learnable", False):
            raise ValueError(
                f"{act} has learned parameters; use nonlin.jax.learnable_function({str(act)!r}),"
                " which takes them as an argument"
            )
    inner = _elementwise(act) if act.elementwise else act

    def wrapped(x: Any) -> Any:
        return inner(jnp.asarray(x))

    how = "jax.custom_jvp with nonlin's f', f''" if act.elementwise else "jax autodiff"
    wrapped.__doc__ = f"nonlin {act} as a jax function ({how})"
    return wrapped


def learnable_function(
    spec: Any, dialect: str | None = None
) -> Callable[[Any, Mapping[str, Any]], Any]:
    """A learnable activation as ``f(x, params)``, params a dict like ``act.params``
    (``act.init_params(...)`` makes one); jax differentiates the formula in both."""
    act = get(spec, dialect)
    if not getattr(act, "learnable", False):
        raise ValueError(f"{act} has no learned parameters; use nonlin.jax.function")

    def apply(x: Any, params: Mapping[str, Any]) -> Any:
        x = jnp.asarray(x)
        stage: Any = act  # a Learnable: its hooks take the parameters
        stage._check_input(x, _XP)
        raw = {name: jnp.asarray(params[name], dtype=x.dtype) for name in stage.param_names}
        return stage._fp(x, stage._broadcast(raw, x, _XP), _XP)

    return apply
