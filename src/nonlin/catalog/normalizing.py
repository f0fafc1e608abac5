r"""The normalizing family: activations that look at a whole axis at once.

softmax, log_softmax, softmin, sparsemax, glu, theanets' ``norm:mean|max|std|z`` and
JAX's standardize. None is elementwise: each has ``_f``, ``_vjp`` and ``_jvp`` (exact,
closed-form), works along ``axis`` (default -1; PyTorch's ``dim=`` is accepted), and
refuses 0-d input. ``grad``/``grad2`` raise TypeError (the Jacobian is not diagonal).

Shared numerics, in one place:

* Softmax-like functions shift by the row maximum, and compute ``x - max`` exactly
  (TwoSum) before ``exp``: rounding ``x - max`` would put an error of ``|x - max|``/2
  ulps on ``exp`` (hundreds near underflow). The denominator is ``1 + T`` with ``T``
  the sum over everything but the maximum, so ``log(1 + T)`` is ``log1p(T)`` and the
  log-probability of the top entry keeps its tiny size ([-50, 50] gives -3.7e-44,
  not 0). Gradients shift the cotangent by its value at the maximum, so that
  ``1 - s_top`` is never formed by subtraction.
* The ``norm:*`` family and standardize scale each row by a power of two near its
  largest magnitude (exact, no rounding) before centring and squaring, so rows of
  1e200 or 1e-200 neither overflow nor underflow. The mean is a compensated pairwise
  sum (TwoSum at every halving) carried as ``q + q_lo``, and ``x - q`` keeps its own
  rounding error, so ``x - mean`` is right to about an ulp even where it cancels.
* vjp and jvp are linear in ``dy``/``v``: each row of it is scaled by a power of two
  first, so cotangents near the float limit do not overflow inside the formulas.
* Infinite entries follow one convention, the limit as they grow at the same rate:
  ties among ``+inf`` share softmax's mass equally; ``norm:*`` see the entries' signs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import array_api_compat

from .._math import neg_abs, sigmoid_pair, two_product
from ..activation import Activation, Traits, check_axis, param, register
from ..errors import InputError
from ..namespace import (
    Array,
    Namespace,
)

__all__ = [
    "GLU",
    "LogSoftmax",
    "NormMax",
    "NormMean",
    "NormStd",
    "NormZ",
    "Softmax",
    "Softmin",
    "Sparsemax",
    "Standardize",
    "glu",
    "log_softmax",
    "norm_max",
    "norm_mean",
    "norm_std",
    "norm_z",
    "softmax",
    "softmin",
    "sparsemax",
    "standardize",
]

_INF = math.inf


def _axis_param() -> Any:
    return param(-1, kind=int)


def _sum(x: Array, axis: int, xp: Namespace) -> Array:
    return xp.sum(x, axis=axis, keepdims=True)


def _mean(x: Array, axis: int, xp: Namespace) -> Array:
    return xp.mean(x, axis=axis, keepdims=True)


def _count(mask: Array, axis: int, like: Array, xp: Namespace) -> Array:
    return xp.sum(xp.astype(mask, like.dtype), axis=axis, keepdims=True)


def _positive_or_one(x: Array, xp: Namespace) -> Array:
    """``x`` where it is positive, else 1: a denominator that is never 0."""
    return xp.where(x > 0, x, xp.ones_like(x))


def _two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """``a + b = s + e`` exactly (Knuth's TwoSum; no ordering needed)."""
    s = a + b
    back = s - a
    return s, (a - (s - back)) + (b - back)


def _accurate_sum(x: Array, axis: int, xp: Namespace) -> tuple[Array, Array]:
    """``(hi, lo)``, keepdims, with ``hi + lo`` the sum along ``axis`` to about
    ``eps**2`` of the sum of magnitudes: a pairwise sum whose rounding errors are
    kept by TwoSum and added up on the side (log2(n) halving steps)."""
    y = xp.moveaxis(x, axis, -1)
    lo = xp.zeros_like(y)
    while y.shape[-1] > 1:
        if y.shape[-1] % 2:
            pad = xp.zeros_like(y[..., :1])
            y, lo = xp.concat([y, pad], axis=-1), xp.concat([lo, pad], axis=-1)
        half = y.shape[-1] // 2
        y, error = _two_sum(y[..., :half], y[..., half:])
        lo = (lo[..., :half] + lo[..., half:]) + error
    return xp.moveaxis(y, -1, axis), xp.moveaxis(lo, -1, axis)


def _divide(hi: Array, lo: Array, n: int | Array, xp: Namespace) -> tuple[Array, Array]:
    """``(hi + lo) / n`` as ``q + q_lo`` (the remainder of ``hi / n`` is exact)."""
    count = xp.full_like(hi, n) if isinstance(n, int) else n
    q = hi / count
    p, p_err = two_product(q, count, xp)
    return q, (((hi - p) - p_err) + lo) / count


# --------------------------------------------------------------------------- softmax core


@dataclass(frozen=True)
class _Shifted:
    """One row-wise pass of the softmax family over ``x``.

    ``d = x - max`` (rounded) with ``err`` its rounding error, ``e = exp(x - max)``
    from both, ``top`` the entries equal to the maximum, ``k`` how many, ``t`` the sum
    of ``e`` over all but one maximum (so the denominator is ``1 + t``), ``alive``
    False on rows that are all ``-inf``.
    """

    d: Array
    err: Array
    e: Array
    top: Array
    k: Array
    t: Array
    alive: Array

    def softmax(self) -> Array:
        return self.e / (1 + self.t)


def _shift(x: Array, axis: int, xp: Namespace) -> _Shifted:
    m = xp.max(x, axis=axis, keepdims=True)
    alive = m > -_INF
    m0 = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    top = (x == m) & alive
    zeros = xp.zeros_like(x)
    # +inf rows: the +inf entries are the maximum, everything else is -inf below it.
    d = xp.where(top, zeros, xp.where(m == _INF, xp.full_like(x, -_INF), x - m0))
    # TwoSum on the entries exp can see; the others take x = m0 so nothing overflows.
    keep = (d > -800.0) & ~top
    xk = xp.where(keep, x, xp.broadcast_to(m0, x.shape))
    s = xk - m0
    back = s - xk
    err = (xk - (s - back)) + (-m0 - back)
    base = xp.exp(d)
    e = base + base * err
    k = _count(top, axis, x, xp)
    rest = _sum(xp.where(top, zeros, e), axis, xp) + (k - 1)
    t = xp.where(alive, rest, xp.zeros_like(rest))
    return _Shifted(d, err, e, top, k, t, alive)


def _shift_lean(x: Array, axis: int, xp: Namespace) -> _Shifted:
    """:func:`_shift` for rows of finite float32 values computed in float64 (the block
    engine's wide forms): ``x - max`` is exact there (Sterbenz, or far below any
    ``exp`` that shows), so its TwoSum correction and the infinity cases go."""
    d = x - xp.max(x, axis=axis, keepdims=True)
    top = d == 0
    e = xp.exp(d)
    k = _count(top, axis, x, xp)
    zeros = xp.zeros_like(x)  # also the (absent) error of the shift
    t = _sum(xp.where(top, zeros, e), axis, xp) + (k - 1)
    return _Shifted(d, zeros, e, top, k, t, xp.ones_like(t, dtype=xp.bool))


def _finite(*arrays: Array, xp: Namespace) -> bool:
    """Whether every entry of every array is finite (an eager library's question:
    the wide forms run on NumPy blocks only)."""
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def _centre_on_top(v: Array, sh: _Shifted, axis: int, xp: Namespace) -> Array:
    """``v`` minus its mean over the maxima: the softmax Jacobian ignores the shift,
    and after it the top entry contributes exactly 0 (no ``1 - s_top``)."""
    zeros = xp.zeros_like(v)
    at_top = _sum(xp.where(sh.top, v, zeros), axis, xp) / _positive_or_one(sh.k, xp)
    return v - at_top


def _softmax_jvp(
    x: Array, v: Array, axis: int, xp: Namespace, shift: Callable[..., _Shifted] = _shift
) -> Array:
    """``s * (v - <s, v>)``, the (symmetric) softmax Jacobian applied to ``v``."""
    sh = shift(x, axis, xp)
    s = sh.softmax()
    c = _centre_on_top(v, sh, axis, xp)
    return s * (c - _sum(s * c, axis, xp))


def _softmax_wide(x: Array, axis: int, xp: Namespace) -> Array:
    """Softmax for a float32 (or float16) result computed in float64 (the block engine):
    ``exp(x - max) / sum`` is within a few float64 ulp of the truth, far inside the
    final rounding, on rows of finite values; other rows take the exact form."""
    if not _finite(x, xp=xp):
        return _shift(x, axis, xp).softmax()
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax_wide(x: Array, axis: int, xp: Namespace) -> Array:
    """Log-softmax for a float32 (or float16) result computed in float64 (the block
    engine): ``d - log1p(t)`` from the lean shift (:func:`_shift_lean`), ``t`` summing
    all but one maximum, so that the top entry keeps its tiny ``-log1p(t)``; the two
    terms never cancel (d <= 0 <= log1p(t)). Rows with a non-finite entry take the
    exact form."""
    if not _finite(x, xp=xp):
        return _log_softmax(x, axis, xp)
    sh = _shift_lean(x, axis, xp)
    return sh.d - xp.log1p(sh.t)


def _log_softmax(x: Array, axis: int, xp: Namespace) -> Array:
    sh = _shift(x, axis, xp)
    return (sh.d - xp.log1p(sh.t)) + sh.err


def _log_softmax_jvp(
    x: Array, v: Array, axis: int, xp: Namespace, shift: Callable[..., _Shifted] = _shift
) -> Array:
    """``v - <s, v>``; 0 on rows that are all ``-inf``."""
    sh = shift(x, axis, xp)
    s = sh.softmax()
    c = _centre_on_top(v, sh, axis, xp)
    out = c - _sum(s * c, axis, xp)
    return xp.where(sh.alive, out, xp.zeros_like(out))


def _log_softmax_vjp(
    x: Array, dy: Array, axis: int, xp: Namespace, shift: Callable[..., _Shifted] = _shift
) -> Array:
    """``dy - s * sum(dy)``; at a single maximum ``-sum_{j != top} dy_j + (1 - s) sum(dy)``
    with ``1 - s = t / (1 + t)`` (no cancellation when ``s`` is near 1)."""
    sh = shift(x, axis, xp)
    s = sh.softmax()
    total = _sum(dy, axis, xp)
    plain = dy - s * total
    others = _sum(xp.where(sh.top, xp.zeros_like(dy), dy), axis, xp)
    at_top = (sh.t / (1 + sh.t)) * total - others
    out = xp.where(sh.top & (sh.k == 1), at_top, plain)
    return xp.where(sh.alive, out, xp.zeros_like(out))


class _AlongAxis(Activation):
    """Shared plumbing: the axis check and what every non-elementwise entry declares."""

    elementwise: ClassVar[bool] = False
    param_aliases: ClassVar[dict[str, str]] = {"dim": "axis"}
    axis: int

    def _check_input(self, x: Array, xp: Namespace) -> None:
        check_axis(x, self.axis, self)
        if x.shape[self.axis] == 0:
            raise InputError(
                f"{self}: axis {self.axis} of the input has size 0, and a row needs at "
                "least one entry; check the input's shape or choose another axis"
            )

    # vjp and jvp are linear in the cotangent/tangent: scaling each row of it by an
    # exact power of two near its largest magnitude first keeps intermediates such as
    # ``dy - dy_top`` from overflowing when dy is near the float limit.

    def _vjp(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return _rescaled(lambda unit: self._pullback(x, unit, xp), dy, self.axis, xp)

    def _jvp(self, x: Array, v: Array, xp: Namespace) -> Array:
        return _rescaled(lambda unit: self._pushforward(x, unit, xp), v, self.axis, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        raise NotImplementedError

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        raise NotImplementedError


def _rescaled(linear: Callable[[Array], Array], v: Array, axis: int, xp: Namespace) -> Array:
    """``linear(v)`` computed as ``linear(v / q) * q`` with ``q`` a power of two per row."""
    biggest = xp.max(xp.abs(v), axis=axis, keepdims=True)
    q, q_inv = _power_of_two_near(biggest, xp)
    return linear(v * q_inv) * q


# --------------------------------------------------------------------------- softmax


@register("softmax")
@dataclass(frozen=True, repr=False)
class Softmax(_AlongAxis):
    r"""Softmax: a probability distribution along ``axis``.

    .. math::

        f(x) = s, \quad s_i = e^{x_i} / \textstyle\sum_j e^{x_j}

        f'(x) = J = \operatorname{diag}(s) - s s^\top

        f''(x) = \partial_k J_{ij} = J_{ik}\,\delta_{ij} - J_{ik}\,s_j - s_i\,J_{jk}

    Parameters
    ----------
    axis : int, default -1
        The axis the distribution is taken along (PyTorch's ``dim``). Any axis of an
        input of at least one dimension; 0-d input is an InputError.

    Notes
    -----
    Computed as ``exp(x - max) / (1 + t)`` with ``x - max`` exact (TwoSum) and ``t``
    the sum over all but the maximum: entries far below the maximum keep full
    relative accuracy down to the subnormals. A row that is all ``-inf`` gives zeros
    (and zero vjp/jvp); ``+inf`` entries share the mass equally (the limit as they grow
    together) and the rest get 0. The vjp ``s * (dy - <s, dy>)`` first subtracts
    ``dy`` at the maximum, which changes nothing mathematically but avoids forming
    ``1 - s`` when ``s`` is near 1. Unlike PyTorch there is no implicit ``dim``:
    the default is the last axis (theanets, Keras, JAX).

    References
    ----------
    Bridle (1990), "Probabilistic interpretation of feedforward classification network
    outputs"; ``torch.nn.functional.softmax``, ``jax.nn.softmax``.

    Examples
    --------
    >>> nl.get("softmax(dim=0)")
    softmax(axis=0)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(range=(0.0, 1.0), monotonic=False, smoothness=_INF, zero_centred=False)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _shift(x, self.axis, xp).softmax()

    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        return _softmax_wide(x, self.axis, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return _softmax_jvp(x, dy, self.axis, xp)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        return _softmax_jvp(x, v, self.axis, xp)

    # float32 (wide) rows of finite values: the lean shift, and no rescaling of a
    # float32 cotangent (its float64 products cannot overflow).

    def _vjp_wide(self, x: Array, dy: Array, xp: Namespace) -> Array:
        if not _finite(x, dy, xp=xp):
            return self._vjp(x, dy, xp)
        return _softmax_jvp(x, dy, self.axis, xp, _shift_lean)

    def _jvp_wide(self, x: Array, v: Array, xp: Namespace) -> Array:
        return self._vjp_wide(x, v, xp)


softmax = Softmax()


@register("log_softmax")
@dataclass(frozen=True, repr=False)
class LogSoftmax(_AlongAxis):
    r"""Log-softmax: the logarithm of softmax, computed without forming softmax.

    .. math::

        f(x) = x - \log \textstyle\sum_j e^{x_j}

        f'(x) = J = I - \mathbf{1} s^\top, \quad s = \operatorname{softmax}(x)

        f''(x) = \partial_k J_{ij} = s_j s_k - s_j\,\delta_{jk}

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise along (PyTorch's ``dim``). 0-d input is an InputError.

    Notes
    -----
    ``(x - max) - log1p(t)`` with ``t`` the sum of ``exp(x - max)`` over all but the
    maximum: the maximum's own value ``-log1p(t)`` keeps its size even when it is far
    below the ulp of 1 (every peer returns 0 for the top of ``[-50, 50, 0, 1]``; the
    truth is -7.2e-22). A row that is all ``-inf`` stays ``-inf`` (zero vjp/jvp);
    ``+inf`` entries get ``-log(k)`` for ``k`` of them and the rest ``-inf``. At a single
    maximum the vjp uses ``1 - s_top = t / (1 + t)`` instead of a subtraction.

    References
    ----------
    ``torch.nn.functional.log_softmax``; ``jax.nn.log_softmax``.

    Examples
    --------
    >>> nl.LogSoftmax(axis=1)
    log_softmax(axis=1)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(range=(-_INF, 0.0), monotonic=False, smoothness=_INF, zero_centred=False)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _log_softmax(x, self.axis, xp)

    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        return _log_softmax_wide(x, self.axis, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return _log_softmax_vjp(x, dy, self.axis, xp)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        return _log_softmax_jvp(x, v, self.axis, xp)

    def _vjp_wide(self, x: Array, dy: Array, xp: Namespace) -> Array:
        if not _finite(x, dy, xp=xp):
            return self._vjp(x, dy, xp)
        return _log_softmax_vjp(x, dy, self.axis, xp, _shift_lean)

    def _jvp_wide(self, x: Array, v: Array, xp: Namespace) -> Array:
        if not _finite(x, v, xp=xp):
            return self._jvp(x, v, xp)
        return _log_softmax_jvp(x, v, self.axis, xp, _shift_lean)


log_softmax = LogSoftmax()


@register("softmin")
@dataclass(frozen=True, repr=False)
class Softmin(_AlongAxis):
    r"""Softmin: softmax of ``-x``, mass on the smallest entries.

    .. math::

        f(x) = s, \quad s_i = e^{-x_i} / \textstyle\sum_j e^{-x_j}

        f'(x) = J = s s^\top - \operatorname{diag}(s)

        f''(x) = \partial_k J_{ij} = J_{ik}\,s_j + s_i\,J_{jk} - J_{ik}\,\delta_{ij}

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise along (PyTorch's ``dim``). 0-d input is an InputError.

    Notes
    -----
    Exactly softmax at ``-x`` (same numerics); a row that is all ``+inf`` gives zeros.

    References
    ----------
    ``torch.nn.functional.softmin``.

    Examples
    --------
    >>> nl.Softmin(axis=0)
    softmin(axis=0)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(range=(0.0, 1.0), monotonic=False, smoothness=_INF, zero_centred=False)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _shift(-x, self.axis, xp).softmax()

    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        return _softmax_wide(-x, self.axis, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return -_softmax_jvp(-x, dy, self.axis, xp)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        return -_softmax_jvp(-x, v, self.axis, xp)

    def _vjp_wide(self, x: Array, dy: Array, xp: Namespace) -> Array:
        if not _finite(x, dy, xp=xp):
            return self._vjp(x, dy, xp)
        return -_softmax_jvp(-x, dy, self.axis, xp, _shift_lean)

    def _jvp_wide(self, x: Array, v: Array, xp: Namespace) -> Array:
        return self._vjp_wide(x, v, xp)


softmin = Softmin()


# --------------------------------------------------------------------------- sparsemax


def _sparsemax(x: Array, axis: int, xp: Namespace) -> Array:
    m = xp.max(x, axis=axis, keepdims=True)
    alive = m > -_INF
    m0 = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    top = (x == m) & alive
    zeros = xp.zeros_like(x)
    # Shift by the maximum (sparsemax is translation invariant). Entries more than 1
    # below it are never in the support, so clamping them at -2 keeps the sums small;
    # ``d_err`` is the rounding error of the shift (TwoSum) where it matters.
    low = xp.full_like(x, -2.0)
    near = (x - m0 > -2.0) & ~top & xp.isfinite(m)
    d, d_err = _two_sum(xp.where(near, x, xp.broadcast_to(m0, x.shape)), -m0)
    d = xp.where(near, d, xp.where(top, zeros, low))
    d_err = xp.where(near, d_err, zeros)
    z = xp.sort(d, axis=axis, descending=True)
    ranks = xp.cumulative_sum(xp.ones_like(z), axis=axis)
    in_sorted = 1 + ranks * z > xp.cumulative_sum(z, axis=axis)
    k = _count(in_sorted, axis, x, xp)
    smallest = xp.min(xp.where(in_sorted, z, xp.full_like(z, _INF)), axis=axis, keepdims=True)
    support = d >= smallest
    # tau = (sum over the support - 1) / k, carried as tau + tau_lo.
    hi, lo = _accurate_sum(xp.where(support, d, zeros), axis, xp)
    lo = lo + _sum(xp.where(support, d_err, zeros), axis, xp)
    hi, minus_one_err = _two_sum(hi, -xp.ones_like(hi))
    tau, tau_lo = _divide(hi, lo + minus_one_err, k, xp)
    p, p_err = _two_sum(d, -tau)
    p = p + (p_err + (d_err - tau_lo))
    p = xp.where(support & alive, p, zeros)
    return xp.maximum(p, zeros)


def _sparsemax_jvp(x: Array, v: Array, axis: int, xp: Namespace) -> Array:
    support = _sparsemax(x, axis, xp) > 0
    zeros = xp.zeros_like(v)
    inside = xp.where(support, v, zeros)
    k = _count(support, axis, v, xp)
    return xp.where(support, v - _sum(inside, axis, xp) / _positive_or_one(k, xp), zeros)


@register("sparsemax")
@dataclass(frozen=True, repr=False)
class Sparsemax(_AlongAxis):
    r"""Sparsemax: the Euclidean projection onto the probability simplex.

    .. math::

        f(x) = \max(x - \tau(x), 0), \quad \tau \text{ such that } \textstyle\sum_i f_i = 1

        f'(x) = J = \mathrm{diag}(\sigma) - \sigma\sigma^\top / |S|, \quad \sigma_i = [f_i > 0]

        f''(x) = 0 \text{ away from the kinks (f is piecewise linear)}

    Parameters
    ----------
    axis : int, default -1
        The axis to project along (PyTorch's ``dim``). 0-d input is an InputError.

    Notes
    -----
    Sort-based (Martins & Astudillo, Algorithm 1): the support size is the largest
    ``k`` with ``1 + k z_(k) > sum_{j<=k} z_(j)`` for the entries sorted in decreasing
    order. The row is shifted by its maximum and entries more than 2 below it are
    clamped (they are never in the support), so nothing overflows. The Jacobian uses
    the support ``S = {f_i > 0}``: at a kink (an entry exactly at ``tau``, output 0)
    that entry counts as outside, the smaller one-sided limit. A row that is all
    ``-inf`` gives zeros; ``+inf`` entries share the mass equally.

    References
    ----------
    Martins, Astudillo (2016), "From softmax to sparsemax", arXiv:1602.02068;
    ``jax.nn.sparsemax``, ``keras.activations.sparsemax``.

    Examples
    --------
    >>> nl.Sparsemax(axis=0)
    sparsemax(axis=0)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(range=(0.0, 1.0), monotonic=False, smoothness=0, zero_centred=False)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _sparsemax(x, self.axis, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return _sparsemax_jvp(x, dy, self.axis, xp)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        return _sparsemax_jvp(x, v, self.axis, xp)


sparsemax = Sparsemax()


# --------------------------------------------------------------------------- GLU


_FAR = 700.0  # beyond this |b|, sigma(b) or sigma'(b) is e^-|b| < 1e-304, near subnormal


# Float32 (and what is computed in it) takes a compensated path, see GLU's Notes.
_FAR32 = 64.0  # beyond this |b|, 1 + e^-|b| is 1: sigma'(b) = sigma(-|b|) = e^-|b|
# e^-|b| = 2**-89 e^(_SHIFT32 - |b|) (1 + _SHIFT32_LO), _SHIFT32 near 89 log(2) on a grid
# of 2**-17, so that _SHIFT32 - |b| is exact for 64 < |b| < 189 (and 0 beyond)
_SHIFT32 = round(89 * math.log(2) * 2**17) / 2**17
_SHIFT32_LO = math.expm1(89 * math.log(2) - _SHIFT32)
_DOWN32 = 2.0**-89


def _times_gate(c: Array, b: Array, xp: Namespace) -> Array:
    """``c * sigma(b)``, also where ``sigma(b)`` is subnormal and ``c`` is large.

    There ``sigma(b) = e^b`` to rounding, and ``(c e^(b/2)) e^(b/2)`` keeps every factor
    normal (``b/2`` is exact), where the subnormal ``sigma(b)`` has lost bits.
    """
    half = xp.exp(xp.minimum(b, xp.full_like(b, -_FAR)) * 0.5)
    return xp.where(b < -_FAR, (c * half) * half, c * sigmoid_pair(b, xp)[0])


def _times_gate_slope(c: Array, b: Array, xp: Namespace) -> Array:
    """``c * sigma(b) sigma(-b)`` (both from one ``exp(-|b|)``), as :func:`_times_gate`
    in the far tails, where it is ``c e^-|b|``."""
    up, down = sigmoid_pair(b, xp)
    far = xp.abs(b) > _FAR
    half = xp.exp(xp.minimum(-xp.abs(b), xp.full_like(b, -_FAR)) * 0.5)
    return xp.where(far, (c * half) * half, c * (up * down))


def _times_pair(x: Array, y: Array, y_lo: Array, xp: Namespace) -> tuple[Array, Array]:
    """``x (y + y_lo) = p + e``: ``p = x * y`` rounded and ``e`` its exact error plus
    ``x * y_lo``, so that ``p + e`` rounds once; ``e = 0`` where ``p`` is not finite.
    Factors below 2**116 (Dekker's split), products well above the smallest normal."""
    p = x * y
    ok = xp.isfinite(p)
    zero = xp.zeros_like(p)
    x, y = xp.where(ok, x, zero), xp.where(ok, y, zero)
    error = two_product(x, y, xp)[1]
    return p, error + x * y_lo


class _Gate32(NamedTuple):
    """``sigma(b)`` and ``sigma'(b)`` as unevaluated sums ``hi + lo``; where ``low`` (and
    where ``far``, for the slope) they are ``2**89`` times too large (see :func:`_gate32`)."""

    value: Array
    value_lo: Array
    slope: Array
    slope_lo: Array
    low: Array
    far: Array
    positive: Array


def _gate32(b: Array, xp: Namespace) -> _Gate32:
    """The gate and its slope in float32, to about a float32 ulp squared besides exp's
    own error.

    With ``e = exp(-|b|)``, ``q = 1/(1 + e)`` and ``e q`` are ``sigma(|b|)`` and
    ``sigma(-|b|)``, ``e q**2`` the slope; the reciprocal (from its exact residual) and
    each product keep their rounding errors (Dekker). Beyond ``|b| = 64`` the small
    ones are ``e^-|b| = 2**-89 e^(61.69 - |b|)`` (the argument exact), which keeps them
    and their products normal; the caller scales by ``2**-89`` last.
    """
    magnitude = xp.abs(b)
    far = magnitude > _FAR32
    bound = xp.full_like(b, _FAR32)
    # where, not minimum: autodiff sees the slope of the branch taken (also at 0, 64)
    e = xp.exp(xp.where(far, -bound, neg_abs(b, xp)))
    q = 1 / (1 + e)
    s, s_lo = two_product(e, q, xp)
    # 1 - q (1 + e) = ((1 - q) - s) - s_lo, the first two steps exact (Sterbenz); not
    # (1 + e) - 1 for the rounding of 1 + e, which XLA's simplifier folds to e under jit
    q_lo = (((1 - q) - s) - s_lo) * q
    s_lo = s_lo + e * q_lo
    g, g_lo = two_product(s, q, xp)
    g_lo = g_lo + (s * q_lo + s_lo * q)
    tail = xp.exp(_SHIFT32 - xp.where(far, magnitude, bound))
    tail_lo = tail * _SHIFT32_LO
    positive = b >= 0
    one = 1 - tail * _DOWN32  # 1 in value, sigma'(b) in slope (for autodiff)
    zero = xp.zeros_like(b)
    return _Gate32(
        value=xp.where(positive, xp.where(far, one, q), xp.where(far, tail, s)),
        value_lo=xp.where(positive, xp.where(far, zero, q_lo), xp.where(far, tail_lo, s_lo)),
        slope=xp.where(far, tail, g),
        slope_lo=xp.where(far, tail_lo, g_lo),
        low=far & ~positive,
        far=far,
        positive=positive,
    )


def _down(x: Array, where: Array, xp: Namespace) -> Array:
    """``x * 2**-89`` where ``where`` (exact unless the result is subnormal)."""
    return x * xp.where(where, xp.full_like(x, _DOWN32), xp.ones_like(x))


def _unit(a: Array, xp: Namespace) -> tuple[Array, Array]:
    """``a = unit * scale`` with ``scale`` a power of two and ``|unit|`` in [1, 4) (0,
    subnormal or not finite: scale 1 or 2**-126), so that products with ``unit``
    neither overflow nor leave the normal range (:func:`_power_of_two_near`)."""
    scale, inverse = _power_of_two_near(xp.abs(a), xp)
    return a * inverse, scale


def _gated32(c: Array, gate: _Gate32, xp: Namespace) -> Array:
    """``c * sigma(b)`` for ``|c|`` below 4 (a unit, or a cotangent's entry), ``2**89``
    times too large where ``low`` (as the gate is)."""
    p, p_lo = _times_pair(c, gate.value, gate.value_lo, xp)
    return p + p_lo


def _sloped32(dy: Array, a: Array, gate: _Gate32, xp: Namespace) -> tuple[Array, Array, Array]:
    """``dy * a * sigma'(b)`` (``|dy|`` below 4) as ``hi + lo`` and the power of two
    that scales it (``2**89`` too large where ``far``, as the slope is)."""
    unit, scale = _unit(a, xp)
    p, p_lo = _times_pair(unit, gate.slope, gate.slope_lo, xp)
    hi, lo = _times_pair(dy, p, p_lo, xp)
    return hi, lo, scale


def _halves(x: Array, axis: int) -> tuple[Array, Array]:
    ndim = len(x.shape)
    half = x.shape[axis] // 2
    first: list[Any] = [slice(None)] * ndim
    second: list[Any] = [slice(None)] * ndim
    first[axis] = slice(0, half)
    second[axis] = slice(half, None)
    return x[tuple(first)], x[tuple(second)]


@register("glu")
@dataclass(frozen=True, repr=False)
class GLU(_AlongAxis):
    r"""Gated linear unit: the first half of ``axis`` gated by the sigmoid of the second.

    .. math::

        f(x) = a \odot \sigma(b), \quad x = [a, b] \text{ split in halves along the axis}

        f'(x) = \partial_a f = \sigma(b), \quad \partial_b f = a\,\sigma'(b)

        f''(x) = \partial_a \partial_b f = \sigma'(b), \quad \partial_b^2 f = a\,\sigma''(b)

    with :math:`\sigma'(b) = \sigma(b)\,\sigma(-b)` and
    :math:`\sigma''(b) = \sigma'(b)\,(\sigma(-b) - \sigma(b))`; each output depends on
    one pair :math:`(a_i, b_i)`, so these are elementwise in the pair.

    Parameters
    ----------
    axis : int, default -1
        The axis that is split in two (PyTorch's ``dim``). Its size must be even;
        the output has half that size along it.

    Notes
    -----
    The output is half the size of the input along ``axis``: ``vjp(x, dy)`` takes
    ``dy`` of the output's shape and returns the input's; ``jvp(x, v)`` takes ``v`` of
    the input's shape. ``sigma(b)`` and ``sigma(-b)`` come from one ``exp(-|b|)``, each
    with full relative accuracy, so the gate's derivative ``sigma(b) sigma(-b)`` keeps
    its size in both tails (no ``s (1 - s)``). Beyond ``|b| = 700``, where the gate is
    near subnormal, ``a * e^-|b|`` is formed as ``(a e^(-|b|/2)) e^(-|b|/2)`` so that a
    large ``a`` does not inherit the subnormal's lost bits.

    Float32 computed natively (PyTorch, JAX, CuPy; NumPy computes it in float64) would
    stack half a dozen roundings in ``dy * a * sigma(b) sigma(-b)``. There ``sigma(b)``
    and ``sigma'(b)`` are carried as ``hi + lo`` pairs (the reciprocal and each product
    keep their rounding errors, Dekker's two-product), ``a`` is scaled to [1, 4) by a
    power of two, and beyond ``|b| = 64`` the small gate is ``2**-89 e^(61.69 - |b|)``
    (the argument exact), so that every partial product stays normal and only ``exp``'s
    error and one final rounding remain: within 2 ulp of the correctly rounded result
    (1 measured on PyTorch and JAX; where jvp's two terms cancel, ``exp``'s error is
    magnified as in any float32 evaluation).

    References
    ----------
    Dauphin, Fan, Auli, Grangier (2017), "Language modeling with gated convolutional
    networks", arXiv:1612.08083; ``torch.nn.functional.glu``.

    Examples
    --------
    >>> nl.GLU(axis=1)
    glu(axis=1)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(range=(-_INF, _INF), monotonic=False, smoothness=_INF, zero_centred=True)

    def _check_input(self, x: Array, xp: Namespace) -> None:
        check_axis(x, self.axis, self)
        size = x.shape[self.axis]
        if size is not None and size % 2:
            raise InputError(
                f"{self} splits axis {self.axis} in two halves, but its size is {size} "
                "(odd); give that axis an even size, or choose another axis"
            )

    def _f(self, x: Array, xp: Namespace) -> Array:
        a, b = _halves(x, self.axis)
        if x.dtype == xp.float64:
            return _times_gate(a, b, xp)
        unit, scale = _unit(a, xp)
        gate = _gate32(b, xp)
        return _down(_gated32(unit, gate, xp) * scale, gate.low, xp)

    # Each output depends on one pair (a_i, b_i), so the cotangent (tangent) is scaled
    # by a power of two per pair, not per row as the other row operations do: a row's
    # largest entry would push its small ones into the subnormals, which lose bits (JAX
    # flushes them: 9 ulp off beside a dy of 2e38).

    def _vjp(self, x: Array, dy: Array, xp: Namespace) -> Array:
        q, q_inv = _power_of_two_near(xp.abs(dy), xp)
        return self._pullback(x, dy * q_inv, xp) * xp.concat([q, q], axis=self.axis)

    def _jvp(self, x: Array, v: Array, xp: Namespace) -> Array:
        va, vb = _halves(v, self.axis)
        q, q_inv = _power_of_two_near(xp.maximum(xp.abs(va), xp.abs(vb)), xp)
        return self._pushforward(x, v * xp.concat([q_inv, q_inv], axis=self.axis), xp) * q

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        a, b = _halves(x, self.axis)
        if x.dtype == xp.float64:
            da, db = _times_gate(dy, b, xp), _times_gate_slope(dy * a, b, xp)
        else:
            gate = _gate32(b, xp)
            hi, lo, scale = _sloped32(dy, a, gate, xp)
            da = _down(_gated32(dy, gate, xp), gate.low, xp)
            db = _down((hi + lo) * scale, gate.far, xp)
        return xp.concat([da, db], axis=self.axis)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        a, b = _halves(x, self.axis)
        va, vb = _halves(v, self.axis)
        if x.dtype == xp.float64:
            return _times_gate(va, b, xp) + _times_gate_slope(vb * a, b, xp)
        gate = _gate32(b, xp)
        p, p_lo = _times_pair(va, gate.value, gate.value_lo, xp)
        hi, lo, scale = _sloped32(vb, a, gate, xp)
        # in the units of p: 2**89 too large where low (as is the slope), else real
        ahead = gate.far & gate.positive
        q, q_lo = _down(hi * scale, ahead, xp), _down(lo * scale, ahead, xp)
        s = p + q
        ok = xp.isfinite(s)
        zero = xp.zeros_like(s)
        s, error = _two_sum(xp.where(ok, p, zero), xp.where(ok, q, zero))
        total = xp.where(ok, s + (error + (p_lo + q_lo)), p + q)
        return _down(total, gate.low, xp)

    def _output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        halved = list(shape)
        halved[self.axis] //= 2
        return tuple(halved)


glu = GLU()


# --------------------------------------------------------------------------- norm:* core


def _power_of_two_near(m: Array, xp: Namespace) -> tuple[Array, Array]:
    """``(q, 1/q)``: exact powers of two with ``m / q`` in [1, 2) (1 where ``m`` is 0
    or not finite; in [2, 4) for ``m`` at or above ``2**127`` in float32, ``2**1023``
    in float64). Scaling by them is exact, so it changes no rounding.

    Both stay normal: ``1/q = 2**-127`` would be subnormal, and JAX, which flushes
    subnormals on the CPU, would scale a vjp's ``dy`` of 2e38 to 0."""
    info = xp.finfo(m.dtype)
    bottom = math.ceil(math.log2(float(info.smallest_normal)))  # -126, -1022
    ok = xp.isfinite(m) & (m > 0)
    k = xp.floor(xp.log2(xp.where(ok, m, xp.ones_like(m))))
    k = xp.minimum(xp.maximum(k, xp.full_like(k, bottom)), xp.full_like(k, -bottom))
    two = xp.full_like(m, 2.0)
    return xp.pow(two, k), xp.pow(two, -k)


def _centre(u: Array, axis: int, xp: Namespace) -> Array:
    """``u - mean(u)`` to about an ulp of the result: the mean comes out as
    ``q + q_lo`` from a compensated sum, and ``u - q`` keeps its rounding error."""
    hi, lo = _accurate_sum(u, axis, xp)
    q, q_lo = _divide(hi, lo, u.shape[axis], xp)
    d, d_err = _two_sum(u, -q)
    return d + (d_err - q_lo)


@dataclass(frozen=True)
class _Rows:
    """A row-wise pass of the norm family over the finite part of ``x``.

    ``inf_sign`` is the sign of the infinite entries (0 elsewhere), ``finite`` is ``x``
    with them replaced by 0, ``q``/``q_inv`` scale ``finite`` exactly to ``u`` (largest
    magnitude near 1, or near ``floor`` when that is larger), ``c = u - mean(u)``,
    ``sigma = sqrt(mean(c^2))`` (in units of ``q``), ``r = c / sigma`` (0 where sigma
    is 0), ``has_inf`` marks rows with an infinite entry, and ``cu``, ``su`` are the
    centred signs of the infinite entries and their spread (0 on finite rows).
    """

    inf_sign: Array
    finite: Array
    q: Array
    q_inv: Array
    c: Array
    sigma: Array
    r: Array
    has_inf: Array
    cu: Array
    su: Array
    n: int


def _rows(x: Array, axis: int, floor: float, xp: Namespace) -> _Rows:
    zeros = xp.zeros_like(x)
    infinite = xp.isinf(x)
    inf_sign = xp.where(infinite, xp.sign(x), zeros)
    finite = xp.where(infinite, zeros, x)
    biggest = xp.max(xp.abs(finite), axis=axis, keepdims=True)
    has_inf = xp.max(xp.abs(inf_sign), axis=axis, keepdims=True) > 0
    q, q_inv = _power_of_two_near(xp.maximum(biggest, xp.full_like(biggest, floor)), xp)
    c = _centre(finite * q_inv, axis, xp)
    sigma = xp.sqrt(_mean(c * c, axis, xp))
    r = c / _positive_or_one(sigma, xp)
    if array_api_compat.is_numpy_namespace(xp) and not bool(xp.any(has_inf)):
        # NumPy (the block engine's blocks): no infinite entry, no second centring
        # (an eager library can ask; a traced one, JAX's under jit, cannot)
        cu, su = zeros, xp.zeros_like(sigma)
    else:
        cu = _centre(inf_sign, axis, xp)
        su = xp.sqrt(_mean(cu * cu, axis, xp))
    return _Rows(inf_sign, finite, q, q_inv, c, sigma, r, has_inf, cu, su, x.shape[axis])


def _signed_inf(mask_sign: Array, otherwise: Array, xp: Namespace) -> Array:
    """``+inf``/``-inf`` where ``mask_sign`` is positive/negative, else ``otherwise``."""
    return xp.where(
        mask_sign > 0,
        xp.full_like(otherwise, _INF),
        xp.where(mask_sign < 0, xp.full_like(otherwise, -_INF), otherwise),
    )


_EPS_DOC = "Added to the denominator; must be >= 0 (0 divides by the bare statistic)."


# --------------------------------------------------------------------------- norm:mean


@register("norm:mean")
@dataclass(frozen=True, repr=False)
class NormMean(_AlongAxis):
    r"""Mean normalisation (theanets ``norm:mean``): subtract the mean along ``axis``.

    .. math::

        f(x) = x - \bar{x}, \quad \bar{x} = \tfrac{1}{n}\textstyle\sum_j x_j

        f'(x) = J = I - \mathbf{1}\mathbf{1}^\top / n

        f''(x) = 0

    Parameters
    ----------
    axis : int, default -1
        The axis to centre along (theanets: the last). 0-d input is an InputError.

    Notes
    -----
    The row is scaled by an exact power of two and centred on a compensated mean
    (a double-length ``q + q_lo``, module docstring), then scaled back: rows of 1e308
    do not overflow. Infinite entries are the limit of entries growing at one rate:
    entries whose sign differs from the row's mean sign become ``+-inf``, and when the
    infinities cancel (``[inf, -inf, 1]``) the finite entries are centred among
    themselves with the infinities counted as 0.

    References
    ----------
    theanets, ``theanets.activations`` (key ``norm:mean``).

    Examples
    --------
    >>> nl.NormMean(axis=0)
    norm:mean(axis=0)
    """

    axis: int = _axis_param()

    def traits(self) -> Traits:
        return Traits(
            range=(-_INF, _INF),
            monotonic=False,
            smoothness=_INF,
            zero_centred=True,
            symmetry="odd",
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        rows = _rows(x, self.axis, 0.0, xp)
        return _signed_inf(rows.cu, rows.c * rows.q, xp)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return _centre(dy, self.axis, xp)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        return _centre(v, self.axis, xp)


norm_mean = NormMean()


# --------------------------------------------------------------------------- norm:max


@register("norm:max")
@dataclass(frozen=True, repr=False)
class NormMax(_AlongAxis):
    r"""Max normalisation (theanets ``norm:max``): divide by the largest magnitude.

    .. math::

        f(x) = x / (M + \epsilon), \quad M = \max_j |x_j|

        f'(x) = J = (I - f\,w^\top) / (M + \epsilon), \quad w = \mathrm{sign}(x_m)\,e_m

        f''(x) = \partial_k J_{ij} = -(J_{ik}\,w_j + J_{ij}\,w_k) / (M + \epsilon)

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise along. 0-d input is an InputError.
    eps : float, default 1e-8
        Added to the maximum (theanets 0.7+; 1e-6 before). Must be >= 0.

    with :math:`m` the arg max of :math:`|x|`.

    Notes
    -----
    ``M + eps`` is one rounding and the division another (at most 1.5 ulp). ``M`` is
    not differentiable where the arg max is tied or ``M = 0``: there the minimum-norm
    subgradient is used (``w`` shared equally among the tied entries, 0 when ``M = 0``).
    A row with infinite entries gives their signs there and 0 elsewhere (the limit),
    with zero vjp/jvp.

    References
    ----------
    theanets, ``theanets.activations`` (key ``norm:max``).

    Examples
    --------
    >>> nl.NormMax(eps=1e-6)
    norm:max(eps=1e-06)
    """

    axis: int = _axis_param()
    eps: float = param(1e-8, ge=0.0)

    def traits(self) -> Traits:
        return Traits(
            range=(-1.0, 1.0),
            monotonic=False,
            smoothness=0,
            zero_centred=True,
            symmetry="odd",
        )

    def _parts(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array, Array, Array]:
        """``(y, w, denominator, has_inf, single)`` for finite rows (see the formulas);
        ``single`` marks the arg max where it is unique."""
        magnitude = xp.abs(x)
        biggest = xp.max(magnitude, axis=self.axis, keepdims=True)
        has_inf = biggest == _INF
        denominator = _positive_or_one(
            xp.where(has_inf, xp.ones_like(biggest), biggest + self.eps), xp
        )
        finite_x = xp.where(has_inf, xp.zeros_like(x), x)
        y = finite_x / denominator
        ties = (magnitude == biggest) & (biggest > 0)
        count = _count(ties, self.axis, x, xp)
        w = xp.where(ties, xp.sign(x), xp.zeros_like(x)) / _positive_or_one(count, xp)
        return y, w, denominator, has_inf, ties & (count == 1)

    def _f(self, x: Array, xp: Namespace) -> Array:
        y, _, _, has_inf, _ = self._parts(x, xp)
        limit = xp.where(xp.isinf(x), xp.sign(x), xp.zeros_like(x))
        return xp.where(has_inf, limit, y)

    # At a unique arg max m, 1 - |y_m| is eps / (M + eps) exactly: J_mm = eps / D^2
    # is taken from that, not from the subtraction 1/D - |y_m|/D (which cancels).

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        y, w, denominator, has_inf, single = self._parts(x, xp)
        zeros = xp.zeros_like(dy)
        out = (dy - w * _sum(dy * y, self.axis, xp)) / denominator
        others = _sum(xp.where(single, zeros, dy * y), self.axis, xp)
        at_max = (dy * (self.eps / denominator) - w * others) / denominator
        out = xp.where(single, at_max, out)
        return xp.where(has_inf, zeros, out)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        y, w, denominator, has_inf, single = self._parts(x, xp)
        out = (v - y * _sum(w * v, self.axis, xp)) / denominator
        out = xp.where(single, v * (self.eps / denominator) / denominator, out)
        return xp.where(has_inf, xp.zeros_like(out), out)


norm_max = NormMax()


# --------------------------------------------------------------------------- norm:std


@register("norm:std")
@dataclass(frozen=True, repr=False)
class NormStd(_AlongAxis):
    r"""Standard-deviation normalisation (theanets ``norm:std``): ``x / (std + eps)``.

    .. math::

        f(x) = x / (\sigma + \epsilon), \quad \sigma^2 = \overline{(x - \bar{x})^2}

        f'(x) = J = (I - f\,r^\top / n) / D

        f''(x) = \partial_k J_{ij} = -(r_k J_{ij} + r_j J_{ik} + f_i K_{jk}) / (n D)

    with :math:`D = \sigma + \epsilon`, :math:`r = (x - \bar{x}) / \sigma` and
    :math:`K_{jk} = \partial_k r_j = (\delta_{jk} - 1/n - r_j r_k / n) / \sigma`.

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise along. 0-d input is an InputError.
    eps : float, default 1e-8
        Added to the standard deviation, not to the variance (theanets 0.7+; 1e-6
        before). Must be >= 0.

    Notes
    -----
    The population standard deviation (``ddof=0``); the input is divided by it but not
    centred (theanets' definition; its docs' "variance" is a misprint). The row is
    scaled by an exact power of two near its largest magnitude before centring and
    squaring, so 1e200 or 1e-200 inputs neither overflow nor underflow, and the mean is
    a compensated sum. Where ``sigma = 0`` the gradient of ``sigma`` is taken as 0 (the
    minimum-norm subgradient). Infinite entries: the limit as they grow at one rate
    (``u / std(u)`` with ``u`` their signs); vjp/jvp are 0 on such rows.

    References
    ----------
    theanets, ``theanets.activations`` (key ``norm:std``).

    Examples
    --------
    >>> nl.NormStd(axis=0)
    norm:std(axis=0)
    """

    axis: int = _axis_param()
    eps: float = param(1e-8, ge=0.0)

    def traits(self) -> Traits:
        return Traits(
            range=(-_INF, _INF),
            monotonic=False,
            smoothness=0,
            zero_centred=False,
            symmetry="odd",
        )

    def _parts(self, x: Array, xp: Namespace) -> tuple[_Rows, Array, Array]:
        rows = _rows(x, self.axis, self.eps, xp)
        scaled = rows.sigma + self.eps * rows.q_inv
        y = (rows.finite * rows.q_inv) / _positive_or_one(scaled, xp)
        return rows, y, _positive_or_one(scaled * rows.q, xp)

    def _f(self, x: Array, xp: Namespace) -> Array:
        rows, y, _ = self._parts(x, xp)
        su = rows.su
        limit = xp.where(
            su > 0, rows.inf_sign / _positive_or_one(su, xp), _signed_inf(rows.inf_sign, y, xp)
        )
        return xp.where(rows.has_inf, limit, y)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        rows, y, denominator = self._parts(x, xp)
        out = (dy - rows.r * _mean(dy * y, self.axis, xp)) / denominator
        return xp.where(rows.has_inf, xp.zeros_like(out), out)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        rows, y, denominator = self._parts(x, xp)
        out = (v - y * _mean(rows.r * v, self.axis, xp)) / denominator
        return xp.where(rows.has_inf, xp.zeros_like(out), out)


norm_std = NormStd()


# --------------------------------------------------------------------------- norm:z


@register("norm:z")
@dataclass(frozen=True, repr=False)
class NormZ(_AlongAxis):
    r"""Z-score normalisation (theanets ``norm:z``): ``(x - mean) / (std + eps)``.

    .. math::

        f(x) = (x - \bar{x}) / (\sigma + \epsilon)

        f'(x) = J = (I - \mathbf{1}\mathbf{1}^\top/n - f\,r^\top / n) / D

        f''(x) = \partial_k J_{ij} = -(r_k J_{ij} + r_j J_{ik} + f_i K_{jk}) / (n D)

    with :math:`\sigma` the population standard deviation, :math:`D = \sigma + \epsilon`,
    :math:`r = (x - \bar{x}) / \sigma` and
    :math:`K_{jk} = \partial_k r_j = (\delta_{jk} - 1/n - r_j r_k / n) / \sigma`.

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise along. 0-d input is an InputError.
    eps : float, default 1e-8
        Added to the standard deviation, not to the variance (theanets 0.7+; 1e-6
        before). Must be >= 0. JAX's ``standardize`` adds it to the variance instead.

    Notes
    -----
    Population standard deviation (``ddof=0``). Rows are scaled by an exact power of
    two before centring and squaring (no overflow at 1e308, no underflow at 1e-300) and
    centred on a compensated mean. ``J`` is symmetric, so vjp and jvp share one
    formula; where ``sigma = 0`` its gradient is taken as 0. Infinite entries: the
    limit as they grow at one rate, ``(u - mean(u)) / std(u)`` with ``u`` their signs
    (vjp/jvp 0 there); a row of equal infinities keeps its finite part's z-scores.

    References
    ----------
    theanets, ``theanets.activations`` (key ``norm:z``).

    Examples
    --------
    >>> nl.NormZ(eps=1e-6)
    norm:z(eps=1e-06)
    """

    axis: int = _axis_param()
    eps: float = param(1e-8, ge=0.0)

    def traits(self) -> Traits:
        return Traits(
            range=(-_INF, _INF),
            monotonic=False,
            smoothness=_INF,
            zero_centred=True,
            symmetry="odd",
        )

    def _parts(self, x: Array, xp: Namespace) -> tuple[_Rows, Array, Array, Array]:
        rows = _rows(x, self.axis, self.eps, xp)
        scaled = rows.sigma + self.eps * rows.q_inv
        y = rows.c / _positive_or_one(scaled, xp)
        return rows, y, _positive_or_one(scaled * rows.q, xp), rows.su

    def _f(self, x: Array, xp: Namespace) -> Array:
        rows, y, _, su = self._parts(x, xp)
        return xp.where(su > 0, rows.cu / _positive_or_one(su, xp), y)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        rows, y, denominator, su = self._parts(x, xp)
        out = (_centre(v, self.axis, xp) - y * _mean(rows.r * v, self.axis, xp)) / denominator
        return xp.where(su > 0, xp.zeros_like(out), out)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return self._pushforward(x, dy, xp)


norm_z = NormZ()


# --------------------------------------------------------------------------- standardize


@register("standardize")
@dataclass(frozen=True, repr=False)
class Standardize(_AlongAxis):
    r"""Standardisation (JAX ``standardize``): ``(x - mean) / sqrt(var + epsilon)``.

    .. math::

        f(x) = (x - \bar{x}) / \sqrt{\sigma^2 + \epsilon}

        f'(x) = J = (I - \mathbf{1}\mathbf{1}^\top/n - f f^\top / n) / S

        f''(x) = \partial_k J_{ij} = -(f_k J_{ij} + f_j J_{ik} + f_i J_{jk}) / (n S)

    with :math:`S = \sqrt{\sigma^2 + \epsilon}`, :math:`\sigma` the population standard
    deviation.

    Parameters
    ----------
    axis : int, default -1
        The axis to standardise along. 0-d input is an InputError.
    epsilon : float, default 1e-5
        Added to the variance (JAX), not to the standard deviation as in ``norm:z``.
        Must be >= 0.

    Notes
    -----
    The variance is ``mean((x - mean)^2)`` (JAX's ``algorithm='stable'``, not its
    default ``'fast'`` ``E[x^2] - E[x]^2``, which cancels). Rows are scaled by an exact
    power of two near ``max(max|x|, sqrt(epsilon))`` first, so neither the square nor
    ``epsilon`` overflows or underflows harmfully. ``J`` is symmetric, so vjp and jvp
    share one formula. Infinite entries: as
    ``norm:z`` (the limit at one rate; vjp/jvp 0 there).

    References
    ----------
    ``jax.nn.standardize``.

    Examples
    --------
    >>> nl.Standardize(epsilon=0.001)
    standardize(epsilon=0.001)
    """

    axis: int = _axis_param()
    epsilon: float = param(1e-5, ge=0.0)

    def traits(self) -> Traits:
        return Traits(
            range=(-_INF, _INF),
            monotonic=False,
            smoothness=_INF,
            zero_centred=True,
            symmetry="odd",
        )

    def _parts(self, x: Array, xp: Namespace) -> tuple[_Rows, Array, Array, Array]:
        rows = _rows(x, self.axis, math.sqrt(self.epsilon), xp)
        shrunk = self.epsilon * rows.q_inv * rows.q_inv
        scaled = xp.sqrt(rows.sigma * rows.sigma + shrunk)
        y = rows.c / _positive_or_one(scaled, xp)
        return rows, y, _positive_or_one(scaled * rows.q, xp), rows.su

    def _f(self, x: Array, xp: Namespace) -> Array:
        rows, y, _, su = self._parts(x, xp)
        return xp.where(su > 0, rows.cu / _positive_or_one(su, xp), y)

    def _pushforward(self, x: Array, v: Array, xp: Namespace) -> Array:
        _, y, denominator, su = self._parts(x, xp)
        out = (_centre(v, self.axis, xp) - y * _mean(y * v, self.axis, xp)) / denominator
        return xp.where(su > 0, xp.zeros_like(out), out)

    def _pullback(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return self._pushforward(x, dy, xp)


standardize = Standardize()
