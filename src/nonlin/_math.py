"""Numerical building blocks shared by the catalog, written against the array API.

Each helper exists because the obvious formula loses accuracy somewhere; the
docstring says where. Python scalars go in operators, never as arguments to ``xp``
functions, because not every namespace accepts them there.
"""

from __future__ import annotations

import math
from functools import lru_cache

import array_api_compat
import numpy as np

from .namespace import Array, Namespace

__all__ = [
    "constant",
    "exp_neg_half_square",
    "log1pexp",
    "neg_abs",
    "nonnegative",
    "nonpositive",
    "sigmoid",
    "sigmoid_pair",
    "split",
    "two_product",
]


def constant(x: Array, value: float, xp: Namespace) -> Array:
    """The Python number ``value`` as a 0-d array of ``x``'s dtype and device, for
    ``where``, ``maximum`` and arithmetic to broadcast (a full array like ``x`` costs
    more than the operation it feeds: fresh pages are faulted in as they are read).

    A value beyond the dtype's range (``max_value=1e300`` on float32) rounds to +-inf
    as a float64 result would when cast, instead of raising in ``full``. NumPy's
    constants are made once per value and dtype (read-only), since building one costs
    more than a small array's whole evaluation.
    """
    if type(x) is np.ndarray:
        return _numpy_constant(float(value), x.dtype)
    value = float(value)
    if not abs(value) <= _FLOAT16_MAX:  # only then can a float dtype fail to hold it
        finfo = xp.finfo(x.dtype)
        value = _representable(value, float(finfo.max), float(finfo.eps))
    return xp.full((), value, dtype=x.dtype, device=array_api_compat.device(x))


_FLOAT16_MAX = 65504.0  # the smallest largest finite value of a float dtype (bfloat16's is larger)


def _representable(value: float, largest: float, eps: float) -> float:
    """``value``, or what casting it to a dtype of that ``largest`` and ``eps`` gives."""
    if math.isfinite(value) and abs(value) > largest:
        half_ulp = math.ldexp(eps, math.frexp(largest)[1] - 2)
        return math.copysign(math.inf if abs(value) >= largest + half_ulp else largest, value)
    return value


@lru_cache(maxsize=512)
def _numpy_constant(value: float, dtype: np.dtype) -> np.ndarray:
    finfo = np.finfo(dtype)
    array = np.full((), _representable(value, float(finfo.max), float(finfo.eps)), dtype=dtype)
    array.flags.writeable = False
    return array


# The three clamps below are written with ``where`` rather than ``minimum``/``maximum``
# /``abs`` so that a framework differentiating *our formula* (torch autograd, jax)
# takes one branch cleanly at x = 0: ``minimum(x, 0)`` splits its derivative 0.5/0.5
# between tied arguments and ``abs'(0)`` is 0, which gives wrong (finite) derivatives
# at 0 of smooth functions built on them (silu, softplus, sigmoid, ...). Each keeps
# NaN (the comparison is false, so ``x`` itself is returned) and the sign of zero.


def nonpositive(x: Array, xp: Namespace) -> Array:
    """``min(x, 0)``: feed this to an exponential branch so that it cannot overflow.

    Autodiff sees slope 1 at ``x = 0`` (the branch for ``x <= 0``)."""
    return xp.where(x > 0, constant(x, 0.0, xp), x)


def nonnegative(x: Array, xp: Namespace) -> Array:
    """``max(x, 0)``; autodiff sees slope 1 at ``x = 0`` (the branch for ``x >= 0``)."""
    return xp.where(x < 0, constant(x, 0.0, xp), x)


def neg_abs(x: Array, xp: Namespace) -> Array:
    """``-|x|``; autodiff sees slope -1 at ``x = 0`` (the branch for ``x >= 0``), which
    matches helpers that choose their ``x >= 0`` form there (:func:`sigmoid_pair`)."""
    return xp.where(x >= 0, -x, x)


def sigmoid_pair(x: Array, xp: Namespace) -> tuple[Array, Array]:
    """``(sigma(x), sigma(-x))``, each with full relative accuracy.

    With ``e = exp(-|x|)`` (never overflows) the two are ``1/(1+e)`` and ``e/(1+e)``
    in some order; computing ``1 - sigma`` by subtraction would lose the small one.
    """
    e = xp.exp(neg_abs(x, xp))
    big = 1 / (1 + e)
    small = e * big
    positive = x >= 0
    return xp.where(positive, big, small), xp.where(positive, small, big)


def sigmoid(x: Array, xp: Namespace) -> Array:
    """The logistic function with full relative accuracy in both tails."""
    return sigmoid_pair(x, xp)[0]


def log1pexp(x: Array, xp: Namespace) -> Array:
    """``log(1 + exp(x))`` (softplus) without overflow or underflow.

    ``max(x, 0) + log1p(exp(-|x|))`` is exact to rounding at both ends: e^x for
    x -> -inf, x + e^-x for x -> +inf.
    """
    return nonnegative(x, xp) + xp.log1p(xp.exp(neg_abs(x, xp)))


def split(x: Array, xp: Namespace) -> tuple[Array, Array]:
    """Dekker's split ``x = hi + lo`` with ``hi`` holding half the significand bits.

    Products of halves are exact, which :func:`two_product` needs. Only valid for
    ``|x|`` well below the overflow threshold (callers clamp first).
    """
    factor = 134217729.0 if x.dtype == xp.float64 else 4097.0  # 2**27 + 1, 2**12 + 1
    scaled = x * factor
    hi = scaled - (scaled - x)
    return hi, x - hi


def two_product(a: Array, b: Array, xp: Namespace) -> tuple[Array, Array]:
    """``a * b = p + e`` exactly, with ``p`` the rounded product (no FMA needed).

    Use it where a product feeds an exponential: ``exp(a*b)`` is then
    ``exp(p) * exp(e)``, and the rounding error of ``a*b`` is not magnified.
    """
    p = a * b
    a_hi, a_lo = split(a, xp)
    b_hi, b_lo = split(b, xp)
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def exp_neg_half_square(x: Array, xp: Namespace) -> Array:
    """``exp(-x**2 / 2)`` to full accuracy (the Gaussian kernel of GELU and friends).

    ``x*x`` rounds with an error up to half an ulp of ``x**2``, which ``exp`` turns
    into a relative error of ``x**2/2`` ulps (hundreds near x = 38). Splitting the
    square exactly avoids that. ``|x|`` is clamped where the result is 0 anyway.
    """
    limit = 40.0 if x.dtype == xp.float64 else 15.0
    clamped = xp.clip(x, -limit, limit) if hasattr(xp, "clip") else x
    square, error = two_product(clamped, clamped, xp)
    return xp.exp(-0.5 * square) * xp.exp(-0.5 * error)
