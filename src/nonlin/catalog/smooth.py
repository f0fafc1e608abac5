"""Smooth rectifiers: softplus, squareplus, gelu, silu (swish) and mish.

These are the numerically delicate entries. Each is written from ``exp(-|x|)`` (or
the Gaussian ``exp(-x**2/2)``) so that nothing overflows and both tails keep full
relative accuracy, and further problems are handled everywhere:

* **Rounded exponents.** ``exp(y)`` turns an absolute error in ``y`` into a relative
  error; where ``y`` is a product (``beta * x``, ``x**2``, the cubic of the GELU tanh
  form) it is formed exactly with :func:`~nonlin._math.two_product` and the low part
  is applied as a first-order correction.
* **Subnormal intermediates.** ``x * exp(x)`` is normal at ``x = -710`` while ``exp(x)``
  is already subnormal (and has lost digits); deep in a tail the exponential is taken
  of ``y + 64`` and the finished product scaled by ``e**-64`` (:func:`_exp_tail`).
* **Roots of f' and f''.** Next to a root the two terms of a derivative cancel. SiLU's
  roots have exact identities (:func:`_silu_slope`, :func:`_silu_curvature`); for the
  others the cancelling bracket is ``d * q(x)`` with ``d = x - root`` (root in
  double-double) and ``q`` a Chebyshev series fitted at 50 digits, on a window where
  the plain bracket would lose more than about an ulp (:class:`_Root`). A float32
  array computes in float32, so these splits (and every other ``hi + lo`` constant)
  are re-split for float32 (:func:`_pair`): the float64 ``lo`` cannot make up for
  ``hi`` rounded to float32, and near a root that rounding would be all of ``d``.
* **Rounded denominators.** ``1/(1+m)**k`` carries the rounding of ``1 + m`` k times;
  :func:`_reciprocal` returns the correction.
* **Float32 in float32.** PyTorch, JAX and array_api_strict arrays compute float32 in
  float32, where the last steps alone (exp's own error, 2.4 ulp in NumPy's; four or five
  roundings of a product; a fitted polynomial's) would add up to 4-8 ulp. For the tanh
  form of GELU and for Mish, ``exp`` is then replaced by a pair :func:`_exp_pair`, the
  products are formed as pairs and rounded once (:func:`_product`), and the fitted
  polynomials take their leading terms as pairs (:func:`_near_root_float32`). The exact
  GELU has its own float32 erfcx and Gaussian as pairs (:func:`_erfcx_pair32`,
  :func:`_gauss_pair32`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, NamedTuple

import array_api_compat

from .. import special
from .._math import neg_abs, nonnegative, two_product
from ..activation import Activation, Traits, param, register
from ..namespace import Array, Namespace

__all__ = [
    "GELU",
    "Mish",
    "SiLU",
    "Softplus",
    "Squareplus",
    "gelu",
    "mish",
    "silu",
    "softplus",
    "squareplus",
    "swish",
]

_INF = math.inf


# --------------------------------------------------------------------------- helpers


def _is64(x: Array, xp: Namespace) -> bool:
    return bool(x.dtype == xp.float64)


def _exp_tail(
    y: Array, xp: Namespace, squared: bool = False, cheap: bool = False
) -> tuple[Array, Array | None, float]:
    """``exp(y)`` for ``y <= 0`` as ``(m, deep, scale)``: the value is ``m * scale`` where
    ``deep`` and ``m`` elsewhere.

    Deep in the tail ``exp(y)`` is subnormal (or its square is, with ``squared``) while
    a product built from it may be normal; taking ``exp(y + shift)`` there keeps every
    digit, and the caller multiplies the finished product by ``scale`` (``e**-shift``,
    or its square for a product quadratic in ``exp(y)``) with :func:`_unscale`. In the
    deep part ``m`` is still far below ``eps``, so ``1 + m`` is 1 as it should be.
    """
    if cheap:  # a float32 result: its range ends long before float64's subnormals
        return xp.exp(y), None, 1.0
    if _is64(y, xp):
        limit, shift = (-300.0, 64.0) if squared else (-600.0, 64.0)
    else:
        limit, shift = (-40.0, 20.0) if squared else (-80.0, 40.0)
    deep = y < limit
    return xp.exp(xp.where(deep, y + shift, y)), deep, math.exp(-shift)


# exp for float32 arrays: ln 2 in two parts, the first with 15 bits (k ln2_hi is exact
# for |k| < 512), and the Taylor coefficients of (exp(r) - 1 - r) / r**2 to r**6 / 8!.
_LN2_HI, _LN2_LO = 0.693145751953125, 1.4286068203094173e-06
_EXP_TAIL = (1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320)


def _exp_pair(y: Array, xp: Namespace) -> tuple[Array, Array]:
    """``exp(y) = m + m_lo`` for float32 ``y <= 0``, to about a tenth of an ulp.

    Float32 ``exp`` is off by up to 2.4 ulp in NumPy (and array_api_strict, CuPy), and
    every activation built from it carries that; here ``y = k ln 2 + r`` (Cody and
    Waite, exact) and ``exp(r) = 1 + r + r**2 P(r)``, summed as a pair, scaled by ``2**k``.
    """
    y = xp.clip(y, -200.0, 0.0)  # exp is 0 below (and the deep part was shifted)
    k = xp.round(y * (1 / math.log(2)))
    t = y - k * _LN2_HI  # exact
    w = k * _LN2_LO
    r = t - w
    r_lo = (t - r) - w  # r + r_lo = y - k ln2 to 2**-45
    tail = _full(y, _EXP_TAIL[-1], xp)
    for c in reversed(_EXP_TAIL[1:-1]):
        tail = c + r * tail  # (exp(r) - 1 - r - r**2/2) / r**3
    square, square_lo = two_product(r, r, xp)
    one, one_lo = _two_sum(xp.ones_like(y), r)
    head, head_lo = _two_sum(one, 0.5 * square)
    low = head_lo + (one_lo + (0.5 * square_lo + square * (r * tail)))
    hi = head + low
    lo = (low - (hi - head)) + hi * r_lo
    power = xp.pow(_full(y, 2.0, xp), k)  # exact
    return hi * power, lo * power


def _exp_tail_pair(
    y: Array, xp: Namespace, squared: bool = False
) -> tuple[Array, Array | float, Array | None, float]:
    """:func:`_exp_tail` as ``(m, m_lo, deep, scale)``: for float32 (computed in
    float32) ``m + m_lo`` from :func:`_exp_pair`, else ``m_lo = 0``.

    Float32 products are split into halves (:func:`two_product`), and where the low half
    of a factor is subnormal a backend that flushes subnormals (XLA on the CPU) spoils
    the split: factors must stay above about ``1e-31``. Without the square, the shift
    starts at ``e**-60`` (not :func:`_exp_tail`'s ``e**-80``); in the deep part the
    shifted ``m`` stays below ``e**-20``, so ``1 + m`` is still 1, and above ``1e-31``
    wherever the result is not subnormal anyway.
    """
    if _is64(y, xp):
        m, deep, scale = _exp_tail(y, xp, squared)
        return m, 0.0, deep, scale
    limit, shift = (-40.0, 20.0) if squared else (-60.0, 40.0)
    deep = y < limit
    m, m_lo = _exp_pair(xp.where(deep, y + shift, y), xp)
    return m, m_lo, deep, math.exp(-shift)


def _product(xp: Namespace, *factors: tuple[Array, Array | float]) -> Array:
    """The product of ``hi + lo`` pairs (``|lo|`` at most an ulp of ``hi``: ``lo * lo`` is
    dropped), rounded once at the end (each partial product split exactly with
    :func:`two_product`): for float32, where three or four plain roundings would add
    up to 2 ulp."""
    p, err = _product_pair(xp, *factors)
    return p + err


def _product_pair(xp: Namespace, *factors: tuple[Array, Array | float]) -> tuple[Array, Array]:
    """:func:`_product` before its final rounding, as ``(p, err)``."""
    p, err = factors[0]
    for hi, lo in factors[1:]:
        q, e = two_product(p, hi, xp)
        err = e + (err * hi + p * lo)
        p = q
    return p, err


def _unscale(value: Array, deep: Array | None, scale: float, xp: Namespace) -> Array:
    return value if deep is None else xp.where(deep, value * scale, value)


def _two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _corrected(value: Array, correction: Array | float) -> Array:
    """``value (1 + correction)`` for a small correction, as ``value + value c``: in
    float32 ``1 + c`` would round to a neighbour of 1, an error of up to half an ulp."""
    if isinstance(correction, float) and correction == 0.0:
        return value
    return value + value * correction


def _full(x: Array, value: float, xp: Namespace) -> Array:
    return xp.full_like(x, value)


def _float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (as a Python float)."""
    rounded: float = struct.unpack("f", struct.pack("f", value))[0]
    return rounded


def _pair(pair: tuple[float, float], x: Array, xp: Namespace) -> tuple[float, float]:
    """A constant ``hi + lo`` split for ``x``'s dtype.

    The float64 pair as it is; for float32, ``hi`` rounded to float32 and ``lo`` the
    rest. A float32 array meets a Python float as a float32 (NEP 50, PyTorch's and
    JAX's weak scalars), so the float64 ``hi`` would be rounded and its float64 ``lo``
    (1e-17) would not make up for it: ``x - hi`` would be off by up to half a float32
    ulp of ``hi``, all of it where ``x - hi`` is small.
    """
    if _is64(x, xp):
        return pair
    hi = _float32(pair[0])
    return hi, (pair[0] - hi) + pair[1]


class _Root(NamedTuple):
    """A root ``x0 = hi + lo`` of a cancelling bracket and its replacement on the window
    ``start < x < stop``: ``bracket(x) = d * q(x)``, ``d = x - x0``, with ``q`` a
    Chebyshev series on the window (coefficients fitted at 50 digits with mpmath,
    truncated where the tail is below 2**-57 relative).

    ``d`` is formed as ``(x - hi) - lo`` (the first difference is exact near the root),
    so the bracket keeps its relative accuracy right up to the root, where the plain
    formula loses everything.
    """

    hi: float
    lo: float
    start: float
    stop: float
    coefficients: tuple[float, ...]


def _near_root(x: Array, root: _Root, plain: Array, xp: Namespace) -> Array:
    """``plain``, replaced on ``root``'s window by the fitted ``d * q(x)``."""
    inside = _inside(x, root)
    middle = 0.5 * (root.start + root.stop)
    xs = xp.where(inside, x, _full(x, middle, xp))
    if not _is64(x, xp):
        return xp.where(inside, _near_root_float32(xs, root, xp), plain)
    s = (xs - middle) * (2.0 / (root.stop - root.start))
    hi, lo = _pair((root.hi, root.lo), x, xp)
    d = (xs - hi) - lo
    first, second = xp.zeros_like(x), xp.zeros_like(x)
    for c in reversed(root.coefficients[1:]):  # Clenshaw
        first, second = c + 2.0 * s * first - second, first
    q = root.coefficients[0] + s * first - second
    return xp.where(inside, d * q, plain)


def _near_root_float32(x: Array, root: _Root, xp: Namespace) -> Array:
    """``d * q(x)`` of :func:`_near_root` for float32 arrays. Plain float32 Clenshaw is
    off by up to 3 ulp (the float32 ``middle`` alone moves ``s`` by an ulp of 1.3): here
    ``s``, ``d`` and ``c0 + c1 s`` are pairs, only the small rest is plain."""
    middle = 0.5 * (root.start + root.stop)
    m_hi, m_lo = _pair((middle, 0.0), x, xp)
    k_hi, k_lo = _pair((2.0 / (root.stop - root.start), 0.0), x, xp)
    u, u_lo = _two_sum(x, _full(x, -m_hi, xp))
    s, s_lo = two_product(u, _full(x, k_hi, xp), xp)
    s_lo = s_lo + ((u_lo - m_lo) * k_hi + u * k_lo)
    first, second = xp.zeros_like(x), xp.zeros_like(x)
    for c in reversed((0.0, *root.coefficients[2:])):  # Clenshaw for sum_{k>=2}
        first, second = c + 2.0 * s * first - second, first
    rest = s * first - second
    c0_hi, c0_lo = _pair((root.coefficients[0], 0.0), x, xp)
    c1_hi, c1_lo = _pair((root.coefficients[1], 0.0), x, xp)
    p, p_lo = two_product(_full(x, c1_hi, xp), s, xp)
    p_lo = p_lo + (c1_hi * s_lo + c1_lo * s)
    q, q_lo = _two_sum(_full(x, c0_hi, xp), p)
    q_lo = q_lo + ((p_lo + c0_lo) + rest)
    q, q_lo = _two_sum(q, q_lo)  # normalised: _product drops lo * lo
    hi, lo = _pair((root.hi, root.lo), x, xp)
    d, d_lo = _two_sum(x, _full(x, -hi, xp))
    d, d_lo = _two_sum(d, d_lo - lo)
    return _product(xp, (d, d_lo), (q, q_lo))


def _inside(x: Array, root: _Root) -> Array:
    return (x > root.start) & (x < root.stop)


def _reciprocal(
    m: Array, xp: Namespace, m_err: Array | None = None, cheap: bool = False
) -> tuple[Array, Array | float]:
    """``1/(1 + m + m_err) = r (1 + c)`` for ``m >= 0``, to about 2**-100.

    ``1 + m`` rounds, and ``1/(1+m)**3`` would triple that; ``r`` is the rounded
    reciprocal and ``c`` the small correction for both roundings (and for the low part
    ``m_err`` of a double-double ``m``), so that ``1/(1+m)**k = r**k (1 + k c)`` to
    second order. With ``cheap`` (a float32 result computed in float64), ``1/(1+m)``
    and ``c = 0``.
    """
    if cheap:
        return 1 / (1 + m), 0.0
    u, u_err = _two_sum(xp.ones_like(m), m)  # 1 + m = u + u_err exactly
    if m_err is not None:
        u_err = u_err + m_err
    r = 1 / u
    p, p_err = two_product(u, r, xp)
    residual = (1 - p) - p_err  # 1 - u r, exact
    return r, residual - u_err * r


class _FromPieces(Activation):
    """f, f' and f'' from shared pieces: ``_pieces(x, xp, cheap)`` computes what they
    have in common (one exp, a reciprocal), ``_value``, ``_slope`` and ``_curvature``
    finish each. The cheap pieces (no double-double, no subnormal rescaling) serve the
    wide hooks, whose float32 results hide the last float64 bits."""

    def _pieces(self, x: Array, xp: Namespace, cheap: bool = False) -> Any:
        raise NotImplementedError

    def _value(self, x: Array, xp: Namespace, p: Any) -> Array:
        raise NotImplementedError

    def _slope(self, x: Array, xp: Namespace, p: Any) -> Array:
        raise NotImplementedError

    def _curvature(self, x: Array, xp: Namespace, p: Any) -> Array:
        raise NotImplementedError

    def _all(self, x: Array, xp: Namespace, cheap: bool) -> tuple[Array, Array, Array]:
        p = self._pieces(x, xp, cheap)
        return self._value(x, xp, p), self._slope(x, xp, p), self._curvature(x, xp, p)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return self._value(x, xp, self._pieces(x, xp))

    def _df(self, x: Array, xp: Namespace) -> Array:
        return self._slope(x, xp, self._pieces(x, xp))

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return self._curvature(x, xp, self._pieces(x, xp))

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._all(x, xp, cheap=False)

    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._value(x, xp, self._pieces(x, xp, cheap=True))

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        return self._slope(x, xp, self._pieces(x, xp, cheap=True))

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._curvature(x, xp, self._pieces(x, xp, cheap=True))

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._all(x, xp, cheap=True)


# --------------------------------------------------------------------------- softplus


@register("softplus")
@dataclass(frozen=True, repr=False)
class Softplus(_FromPieces):
    r"""Softplus, a smooth ReLU: ``log(1 + exp(beta x)) / beta``.

    .. math::

        f(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right)

        f'(x) = \sigma(\beta x) = \frac{1}{1 + e^{-\beta x}}

        f''(x) = \beta\,\sigma(\beta x)\,\sigma(-\beta x)

    Parameters
    ----------
    beta : float, default 1.0
        Sharpness: larger beta is closer to ReLU. Must be positive.
    threshold : float, default inf
        Where ``beta * x > threshold`` the function is replaced by ``x`` with ``f' = 1``
        and ``f'' = 0`` (PyTorch's shortcut; the ``torch`` dialect uses 20). Must be
        positive; ``inf`` (the default) keeps the exact function everywhere.

    Notes
    -----
    Evaluated as ``max(x, 0) + log1p(exp(-|beta x|)) / beta``: no overflow, and both
    tails are exact to rounding (``softplus(-700) = e**-700``, ``softplus(1e4) = 1e4``);
    f' and f'' come from ``e = exp(-|beta x|)`` as ``1/(1+e)``, ``e/(1+e)`` and
    ``beta e/(1+e)**2``, never from ``1 - sigma``. For ``beta != 1`` the product
    ``beta x`` is formed exactly (two_product), so its rounding is not magnified by
    ``exp`` (up to ``|beta x| / 2`` ulps otherwise). With a finite threshold there is a
    (tiny) jump at ``x = threshold / beta``, listed as a kink; exactly there f and f'
    are those of the smooth side (as in PyTorch) and f'' is 0, the one-sided limit of
    smaller magnitude. For ``beta`` below about ``1e-290`` the exact product is skipped
    (it would overflow) and the far negative tail loses accuracy.

    References
    ----------
    Dugas et al. (2001), "Incorporating second-order functional knowledge for better
    option pricing"; ``torch.nn.Softplus``, ``jax.nn.softplus``.

    Examples
    --------
    >>> nl.softplus([-700.0, 0.0, 1e4])
    array([9.85967654e-305, 6.93147181e-001, 1.00000000e+004])
    """

    beta: float = param(1.0, gt=0.0)
    threshold: float = param(_INF, gt=0.0, allow_inf=True)

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (self.threshold / self.beta,) if self.threshold < _INF else ()

    def traits(self) -> Traits:
        return Traits(
            range=(0.0, _INF),
            monotonic=True,
            smoothness=_INF if self.threshold == _INF else -1,
            zero_centred=False,
        )

    def _tail(
        self, x: Array, xp: Namespace, cheap: bool = False
    ) -> tuple[Array, Array, Array | None, float]:
        """``(z, m, deep, scale)``: ``z = beta x`` rounded, ``exp(-|beta x|)`` exact to
        rounding as ``m`` (times ``scale`` where ``deep``)."""
        beta = self.beta
        if beta == 1.0:
            m, deep, scale = _exp_tail(neg_abs(x, xp), xp, cheap=cheap)
            return x, m, deep, scale
        z = beta * x
        m, deep, scale = _exp_tail(neg_abs(z, xp), xp, cheap=cheap)
        if beta < 1e290 and not cheap:  # splitting beta would overflow beyond
            # |x| beyond limit: exp(-|beta x|) is 0 anyway, or (beta < 1e-297) the
            # split of x would overflow and the correction is skipped.
            limit = min(1000.0 / beta, 1e300 if _is64(x, xp) else 1e30)
            xc = xp.clip(x, -limit, limit)
            _, err = two_product(_full(x, beta, xp), xc, xp)
            err = xp.where(xp.abs(x) > limit, xp.zeros_like(x), err)
            # -|beta x| = -|z| - sign(z) err, and exp(-err) = 1 - err to rounding.
            m = m - m * xp.where(z >= 0, err, -err)
        return z, m, deep, scale

    def _pieces(self, x: Array, xp: Namespace, cheap: bool = False) -> Any:
        z, m, deep, scale = self._tail(x, xp, cheap)
        big, fix = _reciprocal(m, xp, cheap=cheap)
        return z, m, (big, fix), deep, scale

    def _value(self, x: Array, xp: Namespace, pieces: Any) -> Array:
        z, m, _, deep, scale = pieces
        y = nonnegative(x, xp) + _unscale(xp.log1p(m) / self.beta, deep, scale, xp)
        if self.threshold < _INF:
            y = xp.where(z > self.threshold, x, y)
        return y

    def _slope(self, x: Array, xp: Namespace, pieces: Any) -> Array:
        z, m, (big, fix), deep, scale = pieces
        big = big + big * fix  # 1/(1+m)
        y = xp.where(z >= 0, big, _unscale(m * big, deep, scale, xp))
        if self.threshold < _INF:
            y = xp.where(z > self.threshold, xp.ones_like(x), y)
        return y

    def _curvature(self, x: Array, xp: Namespace, pieces: Any) -> Array:
        z, m, (big, fix), deep, scale = pieces
        big2 = big * big * (1 + 2 * fix)  # 1/(1+m)**2
        y = _unscale(self.beta * m * big2, deep, scale, xp)
        if self.threshold < _INF:
            y = xp.where(z >= self.threshold, xp.zeros_like(x), y)
        return y


# --------------------------------------------------------------------------- squareplus


@register("squareplus")
@dataclass(frozen=True, repr=False)
class Squareplus(Activation):
    r"""Squareplus, an algebraic softplus: ``(x + sqrt(x**2 + b)) / 2``.

    .. math::

        f(x) = \frac{1}{2}\left(x + \sqrt{x^2 + b}\right)

        f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)

        f''(x) = \frac{b}{2\,(x^2 + b)^{3/2}}

    Parameters
    ----------
    b : float, default 4.0
        Smoothness at 0 (``f(0) = sqrt(b) / 2``). Must be >= 0; ``b = 0`` is ReLU.

    Notes
    -----
    With ``r = hypot(x, sqrt(b))`` (no overflow of ``x**2``), the negative side is
    computed as ``b / (2 (r - x))``, f' as ``b / (2 r (r - x))``: the same values without
    the cancellation of ``x + r`` for ``x << 0`` (squareplus(-700) = 0.00142856851...).
    Halves are taken before sums, so nothing overflows up to the largest float. For
    ``b = 0`` it is ReLU with a kink at 0, where f' and f'' are 0 (the one-sided limit
    of smaller magnitude).

    References
    ----------
    Barron (2021), "Squareplus: A Softplus-Like Algebraic Rectifier",
    arXiv:2112.11687; ``jax.nn.squareplus``.

    Examples
    --------
    >>> nl.squareplus([-700.0, 0.0, 1e200])
    array([1.42856851e-003, 1.00000000e+000, 1.00000000e+200])
    """

    b: float = param(4.0, ge=0.0)

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (0.0,) if self.b == 0 else ()

    def traits(self) -> Traits:
        return Traits(
            range=(0.0, _INF),
            monotonic=True,
            smoothness=_INF if self.b > 0 else 0,
            zero_centred=False,
        )

    def _radius(self, x: Array, xp: Namespace) -> Array:
        """``sqrt(x**2 + b)`` without overflow, for |x| clamped below the largest float."""
        return xp.hypot(x, _full(x, math.sqrt(self.b), xp))

    def _clamped(self, x: Array, xp: Namespace) -> Array:
        limit = 1e300 if _is64(x, xp) else 1e36
        return xp.clip(x, -limit, limit)

    def _f(self, x: Array, xp: Namespace) -> Array:
        if self.b == 0:
            return xp.where(x > 0, x, xp.where(xp.isnan(x), x, xp.zeros_like(x)))
        r = self._radius(x, xp)
        right = 0.5 * nonnegative(x, xp) + 0.5 * r
        left = (0.25 * self.b) / (0.5 * r + 0.5 * nonnegative(-x, xp))
        return xp.where(x >= 0, right, left)

    def _df(self, x: Array, xp: Namespace) -> Array:
        if self.b == 0:
            return xp.where(x > 0, xp.ones_like(x), xp.where(xp.isnan(x), x, xp.zeros_like(x)))
        xc = self._clamped(x, xp)
        r = self._radius(xc, xp)
        right = 0.5 + 0.5 * (nonnegative(xc, xp) / r)
        left = (0.5 * self.b / r) / (r + nonnegative(-xc, xp))
        return xp.where(x >= 0, right, left)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        if self.b == 0:
            return xp.where(xp.isnan(x), x, xp.zeros_like(x))
        r = self._radius(self._clamped(x, xp), xp)
        return ((0.5 * self.b / r) / r) / r


# --------------------------------------------------------------------------- gelu

_SQRT_HALF = (0.7071067811865476, -4.833646656726457e-17)  # 1/sqrt(2), hi + lo
_INV_SQRT_2PI = (0.3989422804014327, -2.49232720227773e-17)  # 1/sqrt(2 pi)
_TWO_OVER_SQRT_PI = 1.1283791670955126
_TANH_A = (1.5957691216057308, -9.96930880911092e-17)  # 2 sqrt(2/pi)
_TANH_B = (0.07135481627260025, -6.175149918155315e-19)  # 2 * 0.044715 sqrt(2/pi)
_TANH_3B = (0.21406444881780073, 1.2025242832367862e-17)  # 3 B

_INV_SQRT_PI = (0.5641895835477563, 7.66772980658294e-18)  # 1/sqrt(pi)
_GAUSS_SHIFT = 2.0**64  # float32 exp(-x**2/2) is scaled by this below e**-40

# Float32 erfcx on [0, 6): Taylor series about the centres 1/8 + i/4 (|t - c| <= 1/8),
# rows erfcx(c) and erfcx'(c) (40-digit mpmath); the coefficients of d**n, n >= 2, follow
# from erfcx' = 2t erfcx - 2/sqrt(pi): a[n+1] = (2c a[n] + 2 a[n-1]) / (n+1). Nine terms:
# the first one left out is below 1e-10 relative. From 6 on, the asymptotic series (its
# first term left out is below 2e-10 there).
_ERFCX32_ROWS = special.ERFCX_CENTRES  # all 24 rows: centres up to 5.875
_ERFCX32_END = 6.0
# (erfcx(t) t sqrt(pi) - 1) / u, u = 1/t**2: the asymptotic series' coefficients
# (-1)**n (2n-1)!!/2**n, n >= 1.
_ERFCX32_ASYMPTOTIC = (
    -0.5, 0.75, -1.875, 6.5625, -29.53125, 162.421875, -1055.7421875, 7918.06640625,
    -67303.564453125,
)  # fmt: skip


def _erfcx32_columns() -> tuple[tuple[float, ...], ...]:
    """The Taylor coefficients of :data:`_ERFCX32_ROWS` by power: a0 as float32 hi and
    lo (two columns), then a1 to a8."""
    rows = []
    for i, (a0, a1) in enumerate(_ERFCX32_ROWS):
        c = 0.25 * (i + 0.5)
        a = [a0, a1]
        for n in range(1, 8):
            a.append((2 * c * a[n] + 2 * a[n - 1]) / (n + 1))
        hi = _float32(a0)
        rows.append((hi, a0 - hi, *a[1:]))
    return tuple(zip(*rows))


_ERFCX32_COLUMNS = _erfcx32_columns()


def _erfcx_pair32(t: Array, xp: Namespace) -> tuple[Array, Array]:
    """``erfcx(t) = q + q_lo`` for float32 ``t >= 0``, to a fifth of an ulp.

    The backends' float32 erfcx is off by up to 7 ulp (PyTorch), 2 (JAX), and it is one
    rounding away from the result at best; here it is a pair: on [0, 6) a Taylor series
    whose leading term ``a0 + d * rest`` is summed exactly (``d * rest`` is at most 0.14
    of it, so the rest's roundings hardly show), beyond ``(1/sqrt(pi))/t (1 + s)``
    with ``s`` the asymptotic series in ``1/t**2`` (at most 1/72) and the quotient
    corrected by its exact remainder. Each branch's input is confined to its range.
    """
    near = t < _ERFCX32_END
    tn = xp.where(near, t, xp.zeros_like(t))
    i = xp.clip(xp.floor(tn * 4.0), 0.0, len(_ERFCX32_ROWS) - 1.0)
    index = xp.reshape(xp.astype(i, xp.int32), (-1,))  # take wants 1-d indices
    d = tn - 0.25 * (i + 0.5)
    device = array_api_compat.device(t)

    def column(n: int) -> Array:
        values = xp.asarray(_ERFCX32_COLUMNS[n], dtype=t.dtype, device=device)
        return xp.reshape(xp.take(values, index), t.shape)

    rest = column(len(_ERFCX32_COLUMNS) - 1)
    for n in range(len(_ERFCX32_COLUMNS) - 2, 1, -1):
        rest = rest * d + column(n)
    p, p_err = two_product(d, rest, xp)
    q_near, q_near_lo = _two_sum(column(0), p)
    q_near_lo = q_near_lo + (p_err + column(1))
    tf = xp.where(near, _full(t, _ERFCX32_END, xp), t)
    u = 1 / (tf * tf)
    c = _ERFCX32_ASYMPTOTIC
    series = _full(t, c[-1], xp)
    for coefficient in reversed(c[:-1]):
        series = coefficient + u * series
    c_hi, c_lo = _pair(_INV_SQRT_PI, t, xp)
    r = c_hi / tf
    r_p, r_err = two_product(r, tf, xp)
    r_lo = (((c_hi - r_p) - r_err) + c_lo) / tf  # c/t = r + r_lo
    q_far, q_far_lo = _two_sum(r, r * (u * series))
    q_far_lo = q_far_lo + r_lo
    return xp.where(near, q_near, q_far), xp.where(near, q_near_lo, q_far_lo)


def _gauss_pair32(square: Array, err: Array, xp: Namespace) -> tuple[Array, Array, Array]:
    """``exp(-(square + err)/2)`` for float32 as ``(m, m_lo, deep)``, to about a tenth of
    an ulp, scaled by ``2**64`` where ``deep`` (below ``e**-40``): the scaling is exact, so
    that unscaling a finished product adds no rounding (and every product built from
    ``m`` stays far above the subnormals that XLA flushes). ``square <= 256``.
    """
    y = -0.5 * square  # exact
    deep = y < -40.0
    k = xp.round(y * (1 / math.log(2)))
    t = y - k * _LN2_HI  # exact
    w = k * _LN2_LO
    r = t - w
    r_lo = (t - r) - w
    tail = _full(y, _EXP_TAIL[-1], xp)
    for c in reversed(_EXP_TAIL[1:-1]):
        tail = c + r * tail
    sq, sq_lo = two_product(r, r, xp)
    one, one_lo = _two_sum(xp.ones_like(y), r)
    head, head_lo = _two_sum(one, 0.5 * sq)
    low = head_lo + (one_lo + (0.5 * sq_lo + sq * (r * tail)))
    hi = head + low
    lo = (low - (hi - head)) + hi * (r_lo - 0.5 * err)  # exp(-err/2) = 1 - err/2
    power = xp.pow(_full(y, 2.0, xp), xp.where(deep, k + 64.0, k))  # exact, normal
    return hi * power, lo * power, deep


_GELU_MODES = {"none": "none", "erf": "none", "exact": "none", "tanh": "tanh"}


def _gelu_mode(value: Any) -> Any:
    """``approximate``: True/False (JAX, Keras) and 'erf'/'exact' become our names."""
    if value is True:
        return "tanh"
    if value is False:
        return "none"
    if isinstance(value, str):
        return _GELU_MODES.get(value.strip().lower(), value)
    return value


@register("gelu")
@dataclass(frozen=True, repr=False)
class GELU(_FromPieces):
    r"""Gaussian error linear unit: ``x * Phi(x)``, or its tanh approximation.

    .. math::

        f(x) = x\,\Phi(x) = \frac{x}{2}\operatorname{erfc}\left(-\frac{x}{\sqrt{2}}\right)

        f'(x) = \Phi(x) + x\,\varphi(x)

        f''(x) = \varphi(x)\,(2 - x^2)

    With ``approximate="tanh"``: ``f(x) = x sigma(v)``, ``v = 2 sqrt(2/pi) (x +
    0.044715 x**3)`` (the same as ``x/2 (1 + tanh(v/2))``), ``f' = sigma(v) (1 + x v'
    sigma(-v))``, ``f'' = sigma(v) sigma(-v) (2 v' + x v'' - x v'**2 tanh(v/2))``.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        "none" is the exact erf form (PyTorch, Keras ``activations.gelu``); "tanh" the
        approximation (JAX's and Keras ``ops.gelu``'s default). True/False (JAX, Keras)
        and "erf"/"exact" are accepted and stored as "tanh"/"none".

    Notes
    -----
    Exact form: for ``x < 0``, ``Phi(x) = erfcx(|x|/sqrt 2) exp(-x**2/2) / 2`` with the
    square split exactly, so the negative tail is accurate down to underflow
    (``gelu(-10) = -7.6e-23``; PyTorch's ``1 + erf`` gives 0 from about -8). Float32
    arrays of PyTorch, JAX and array_api_strict compute in float32, where the backends'
    erfcx is loose (7 ulp in PyTorch) and four roundings would add up: there erfcx is
    our own pair (a Taylor table to 6, the asymptotic series beyond), ``exp(-x**2/2)``
    a pair scaled by ``2**64`` in the tail (XLA flushes subnormal intermediates), and
    every result is a product of pairs rounded once (within 1 ulp). Tanh form:
    ``x sigma(v)`` does not cancel for ``x << 0``, and ``v`` is formed in double-double
    (its rounding would be magnified ``|v|`` times by ``exp``). Both give ``-0.0`` at
    ``-inf`` and ``inf`` at ``inf``. f' has a root near -0.75 (and the tanh form's f''
    two at about +-1.6), where a fitted polynomial in the distance to the root replaces
    the cancelling formula.

    References
    ----------
    Hendrycks, Gimpel (2016), "Gaussian Error Linear Units (GELUs)",
    arXiv:1606.08415; ``torch.nn.GELU``, ``jax.nn.gelu``.

    Examples
    --------
    >>> nl.gelu([-10.0, 0.0, 1.0])
    array([-7.61985302e-23,  0.00000000e+00,  8.41344746e-01])
    """

    approximate: str = param("none", kind=str, choices=("none", "tanh"), convert=_gelu_mode)

    def traits(self) -> Traits:
        low = -0.17004075057125405 if self.approximate == "tanh" else -0.16997120747990366
        return Traits(range=(low, _INF), monotonic=False, smoothness=_INF, zero_centred=True)

    # ----------------------------------------------------------------- exact form

    def _erf_pieces(self, x: Array, xp: Namespace, cheap: bool = False) -> dict[str, Any]:
        if not cheap and not _is64(x, xp):
            return self._erf_pieces32(x, xp)
        xc = xp.clip(x, -40.0, 40.0)  # exp(-x**2/2) is 0 beyond, even shifted
        a = nonnegative(-xc, xp)  # |x| on the negative side, clamped
        if cheap:  # a float32 result: the roundings of x**2 and |x|/sqrt 2 do not show
            square, err = xc * xc, 0.0
            m, deep, scale = _exp_tail(-0.5 * square, xp, cheap=True)
            q = special.erfcx(a * _SQRT_HALF[0], xp, nonnegative=True, rounded_to_float32=True)
        else:
            square, err = two_product(xc, xc, xp)
            m, deep, scale = _exp_tail(-0.5 * square, xp)
            m = m - m * (0.5 * err)  # exp(-(square + err)/2)
            half_hi, half_lo = _pair(_SQRT_HALF, x, xp)
            t, t_err = two_product(a, _full(x, half_hi, xp), xp)
            t_err = t_err + a * half_lo  # a / sqrt 2 = t + t_err
            q0 = special.erfcx(t, xp, nonnegative=True)
            q = q0 + t_err * (2 * t * q0 - _TWO_OVER_SQRT_PI)  # erfcx' = 2t erfcx - 2/sqrt(pi)
        return {
            "xc": xc,
            "square": square,
            "err": err,
            "m": m,
            "deep": deep,
            "scale": scale,
            "a": a,
            "q": q,  # erfcx(|x|/sqrt 2), used where x < 0
            "phi_right": special.erfc(-(nonnegative(x, xp) * _SQRT_HALF[0]), xp),  # 2 Phi
        }

    def _erf_value(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        if "f32" in p:
            return self._erf_value32(x, xp, p)
        left = _unscale(-(0.5 * p["a"] * p["q"]) * p["m"], p["deep"], p["scale"], xp)
        right = nonnegative(x, xp) * (0.5 * p["phi_right"])
        return xp.where(x >= 0, right, left)

    def _erf_slope(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        if "f32" in p:
            return self._erf_slope32(x, xp, p)
        k = _INV_SQRT_2PI[0]
        m = p["m"]
        bracket = _near_root(x, _GELU_ROOT, 0.5 * p["q"] - p["a"] * k, xp)
        left = _unscale(m * bracket, p["deep"], p["scale"], xp)
        xr = nonnegative(p["xc"], xp)
        right = 0.5 * p["phi_right"] + xr * k * _unscale(m, p["deep"], p["scale"], xp)
        return xp.where(x >= 0, right, left)

    def _erf_curvature(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        if "f32" in p:
            return self._erf_curvature32(x, xp, p)
        k_hi, k_lo = _pair(_INV_SQRT_2PI, x, xp)
        poly = (2.0 - p["square"]) - p["err"]
        value = (p["m"] * k_hi + p["m"] * k_lo) * poly
        return _unscale(value, p["deep"], p["scale"], xp)

    # ------------------------------------------------- exact form, float32 in float32

    def _erf_pieces32(self, x: Array, xp: Namespace) -> dict[str, Any]:
        # Everything as float32 pairs, each result rounded once: m = exp(-x**2/2) from
        # the exact square (:func:`_gauss_pair32`, scaled by 2**64 deep in the tail),
        # erfcx(|x|/sqrt 2) from :func:`_erfcx_pair32` and corrected for the rounding
        # of |x|/sqrt 2, and Phi(-|x|) = erfcx m / 2.
        xc = xp.clip(x, -16.0, 16.0)  # every result is 0 (or x, or 1) beyond
        a = xp.abs(xc)
        square, err = two_product(xc, xc, xp)
        m, m_lo, deep = _gauss_pair32(square, err, xp)
        half_hi, half_lo = _pair(_SQRT_HALF, x, xp)
        t, t_err = two_product(a, _full(x, half_hi, xp), xp)
        t_err = t_err + a * half_lo  # |x| / sqrt 2 = t + t_err
        q, q_lo = _erfcx_pair32(t, xp)
        q_lo = q_lo + t_err * (2 * t * q - _TWO_OVER_SQRT_PI)  # erfcx' = 2t erfcx - 2/sqrt(pi)
        q, q_lo = _two_sum(q, q_lo)
        e, e_lo = _product_pair(xp, (q, q_lo), (m, m_lo))  # 2 Phi(-|x|), scaled
        e = _unscale(0.5 * e, deep, 1 / _GAUSS_SHIFT, xp)
        e_lo = _unscale(0.5 * e_lo, deep, 1 / _GAUSS_SHIFT, xp)
        return {"f32": True, "xc": xc, "a": a, "square": square, "err": err, "m": m,
                "m_lo": m_lo, "deep": deep, "q": q, "q_lo": q_lo, "e": e, "e_lo": e_lo}  # fmt: skip

    def _erf_value32(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        left = _product(xp, (p["a"], 0.0), (p["q"], p["q_lo"]), (p["m"], p["m_lo"]))
        left = _unscale(-0.5 * left, p["deep"], 1 / _GAUSS_SHIFT, xp)
        one, one_lo = _two_sum(xp.ones_like(x), -p["e"])  # Phi(x) = 1 - Phi(-x)
        xr = xp.clip(x, 0.0, 1e4)  # beyond, Phi is 1 (and x*4097 would overflow)
        right = _product(xp, (xr, 0.0), (one, one_lo - p["e_lo"]))
        right = xp.where(x > 1e4, x, xp.where(x == 0, 0.5 * x, right))  # -0.0 kept
        return xp.where(x >= 0, right, left)

    def _erf_slope32(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        k_hi, k_lo = _pair(_INV_SQRT_2PI, x, xp)
        a, q, q_lo = p["a"], p["q"], p["q_lo"]
        # x < 0: f' = m (q/2 - |x| k), the bracket as a pair (and fitted near the root).
        ak, ak_lo = two_product(a, _full(x, k_hi, xp), xp)
        ak_lo = ak_lo + a * k_lo
        b, b_lo = _two_sum(0.5 * q, -ak)
        b, b_lo = _two_sum(b, b_lo + (0.5 * q_lo - ak_lo))
        b = _near_root(x, _GELU_ROOT, b, xp)
        b_lo = xp.where(_inside(x, _GELU_ROOT), xp.zeros_like(x), b_lo)
        left = _product(xp, (p["m"], p["m_lo"]), (b, b_lo))
        left = _unscale(left, p["deep"], 1 / _GAUSS_SHIFT, xp)
        # x >= 0: f' = 1 - Phi(-x) + x k m.
        g, g_lo = _product_pair(xp, (p["m"], p["m_lo"]), (a, 0.0), (_full(x, k_hi, xp), k_lo))
        g = _unscale(g, p["deep"], 1 / _GAUSS_SHIFT, xp)
        g_lo = _unscale(g_lo, p["deep"], 1 / _GAUSS_SHIFT, xp)
        s, s_lo = _two_sum(g, -p["e"])
        s_lo = s_lo + (g_lo - p["e_lo"])
        one, one_lo = _two_sum(xp.ones_like(x), s)
        right = one + (one_lo + s_lo)
        return xp.where(x >= 0, right, left)

    def _erf_curvature32(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        k_hi, k_lo = _pair(_INV_SQRT_2PI, x, xp)
        poly, poly_lo = _two_sum(_full(x, 2.0, xp), -p["square"])  # 2 - x**2, a pair
        poly, poly_lo = _two_sum(poly, poly_lo - p["err"])
        value = _product(xp, (p["m"], p["m_lo"]), (poly, poly_lo), (_full(x, k_hi, xp), k_lo))
        return _unscale(value, p["deep"], 1 / _GAUSS_SHIFT, xp)

    # ----------------------------------------------------------------- tanh form

    def _tanh_pieces(self, x: Array, xp: Namespace, cheap: bool = False) -> dict[str, Any]:
        xc = xp.clip(x, -30.0, 30.0)  # |v| > 1900 beyond: exp(-|v|) is 0 anyway
        a_hi, a_lo = _pair(_TANH_A, x, xp)
        b_hi, b_lo = _pair(_TANH_B, x, xp)
        if cheap:  # a float32 result: v in plain float64 is accurate enough
            p2 = xc * xc
            q = (b_hi * xc) * p2
            v = a_hi * xc + q
            m, deep, scale = _exp_tail(neg_abs(v, xp), xp, cheap=True)
            big, fix = _reciprocal(m, xp, cheap=True)
            return {"xc": xc, "p2": p2, "v": v, "m": m, "big": big, "fix": fix,
                    "dv": a_hi + 3.0 * b_hi * p2, "xdv": v + 2.0 * q, "xdv_err": 0.0,
                    "e2": 0.0, "cheap": True, "m_lo": 0.0, "exact32": False,
                    "deep": deep, "scale": scale}  # fmt: skip
        # v = x (A + B x**2) in double-double.
        p2, e2 = two_product(xc, xc, xp)
        p3, e3 = two_product(xc, p2, xp)
        cube_lo = e3 + xc * e2
        q, qe = two_product(_full(x, b_hi, xp), p3, xp)
        q_lo = qe + (b_hi * cube_lo + b_lo * p3)
        r, re = two_product(_full(x, a_hi, xp), xc, xp)
        r_lo = re + a_lo * xc
        s, se = _two_sum(r, q)
        lo = se + (r_lo + q_lo)
        v = s + lo
        v_lo = lo - (v - s)
        m, m_lo, deep, scale = _exp_tail_pair(neg_abs(v, xp), xp)
        exact32 = not _is64(x, xp)  # float32 computed in float32: m is a pair
        if exact32:  # exp(-|v + v_lo|) = (m + m_lo)(1 - sign(v) v_lo)
            m_lo = m_lo - m * xp.where(v >= 0, v_lo, -v_lo)
            big, fix = _reciprocal(m, xp, m_lo)
        else:
            m = m - m * xp.where(v >= 0, v_lo, -v_lo)
            big, fix = _reciprocal(m, xp)
        dv = a_hi + 3.0 * b_hi * p2
        # x v' = x A + 3 B x**3 = v + 2 B x**3, in double-double.
        xdv, xdv_err = _two_sum(v, 2.0 * q)
        xdv_err = xdv_err + (v_lo + 2.0 * q_lo)
        return {"xc": xc, "p2": p2, "v": v, "m": m, "big": big, "fix": fix, "dv": dv,
                "xdv": xdv, "xdv_err": xdv_err, "e2": e2, "cheap": False, "m_lo": m_lo,
                "exact32": exact32, "deep": deep, "scale": scale}  # fmt: skip

    def _tanh_value(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        if p["exact32"]:
            big_pair = (p["big"], p["big"] * p["fix"])
            xr = xp.clip(x, 0.0, 1e4)  # beyond, the factor is 1 (and x*4097 would overflow)
            right = xp.where(x > 1e4, x, _product(xp, (xr, 0.0), big_pair))
            left = _product(xp, (p["xc"], 0.0), (p["m"], p["m_lo"]), big_pair)
        else:
            big = p["big"] + p["big"] * p["fix"]
            right = nonnegative(x, xp) * big
            left = p["xc"] * p["m"] * big
        return xp.where(x >= 0, right, _unscale(left, p["deep"], p["scale"], xp))

    def _tanh_slope(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        m, m_lo, xc, dv = p["m"], p["m_lo"], p["xc"], p["dv"]
        # x < 0: 1 + m + x v' cancels only next to the root (x v' is double-double).
        bracket = ((1 + p["xdv"]) + p["xdv_err"]) + (m + m_lo)
        bracket = _near_root(x, _GELU_TANH_ROOT, bracket, xp)
        if p["exact32"]:
            big_pair = (p["big"], p["big"] * p["fix"])
            factor = 1 + xc * dv
            right = _product(xp, (1 + (m * factor + m_lo * factor), 0.0), big_pair, big_pair)
            left = _product(xp, (m, m_lo), (bracket, 0.0), big_pair, big_pair)
        else:
            big2 = _corrected(p["big"] * p["big"], 2 * p["fix"])  # 1/(1+m)**2
            right = (1 + m * (1 + xc * dv)) * big2
            left = m * bracket * big2
        return xp.where(x >= 0, right, _unscale(left, p["deep"], p["scale"], xp))

    def _tanh_curvature(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        m, big, fix, p2 = p["m"], p["big"], p["fix"], p["p2"]
        # The bracket 2v' + x v'' - x v'**2 tanh(v/2) (even) is (T - P) + P (1 - tanh):
        # T = 2A + 12B x**2, P = |x| v'**2 and 1 - tanh(|v|/2) = 2m/(1+m). Outside the
        # root's window neither sum cancels: T - P > 0 below it (and the correction is
        # positive), T - P < 0 above it with a correction below 1e-6 of it.
        xdv = xp.where(p["xc"] < 0, -p["xdv"], p["xdv"])  # |x| v'
        if p["cheap"]:
            big_p = xdv * p["dv"]
            head = (2.0 * _TANH_A[0] + 12.0 * _TANH_B[0] * p2) - big_p
        else:  # T - P in double-double: v', T and P are formed from x**2 exactly
            a_hi, a_lo = _pair(_TANH_A, x, xp)
            b_hi, b_lo = _pair(_TANH_3B, x, xp)
            t, t_err = two_product(_full(x, b_hi, xp), p2, xp)  # 3B x**2
            t_err = t_err + (b_hi * p["e2"] + b_lo * p2)
            dv, dv_err = _two_sum(_full(x, a_hi, xp), t)
            dv_err = dv_err + (t_err + a_lo)
            xdv_err = xp.where(p["xc"] < 0, -p["xdv_err"], p["xdv_err"])
            big_p, big_p_err = two_product(xdv, dv, xp)
            big_p_err = big_p_err + (xdv * dv_err + xdv_err * dv)
            big_t, big_t_err = _two_sum(_full(x, 2.0 * a_hi, xp), 4.0 * t)
            big_t_err = big_t_err + (4.0 * t_err + 2.0 * a_lo)
            head, head_err = _two_sum(big_t, -big_p)
            head_err = head_err + (big_t_err - big_p_err)
        a = xp.abs(p["xc"])
        if p["exact32"]:  # the bracket and the product as pairs, rounded once
            head, head_lo = _two_sum(head, 2.0 * big_p * m * _corrected(big, fix))
            head_err = head_lo + head_err
            bracket = _near_root(a, _GELU_TANH_ROOT2, head, xp)
            inside = _inside(a, _GELU_TANH_ROOT2)
            bracket_err = xp.where(inside, xp.zeros_like(x), head_err)
            big_pair = (big, big * fix)
            value = _product(xp, (m, p["m_lo"]), (bracket, bracket_err), big_pair, big_pair)
            return _unscale(value, p["deep"], p["scale"], xp)
        if not p["cheap"]:
            head = head + head_err
        bracket = head + 2.0 * big_p * m * _corrected(big, fix)
        bracket = _near_root(a, _GELU_TANH_ROOT2, bracket, xp)
        big2 = _corrected(big * big, 2 * fix)
        return _unscale(m * bracket * big2, p["deep"], p["scale"], xp)

    # ----------------------------------------------------------------- pieces

    def _pieces(self, x: Array, xp: Namespace, cheap: bool = False) -> dict[str, Any]:
        if self.approximate == "tanh":
            return self._tanh_pieces(x, xp, cheap)
        return self._erf_pieces(x, xp, cheap)

    def _value(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        tanh = self.approximate == "tanh"
        return self._tanh_value(x, xp, p) if tanh else self._erf_value(x, xp, p)

    def _slope(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        tanh = self.approximate == "tanh"
        return self._tanh_slope(x, xp, p) if tanh else self._erf_slope(x, xp, p)

    def _curvature(self, x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
        tanh = self.approximate == "tanh"
        return self._tanh_curvature(x, xp, p) if tanh else self._erf_curvature(x, xp, p)


# --------------------------------------------------------------------------- silu

# Root of silu': 1 + x + e**x = 0, and w = e**x0 = -(1 + x0).
_SILU_X0 = (-1.2784645427610737, -1.0946994183093437e-16)
_SILU_W = (0.2784645427610738, -1.5523606315812798e-18)
# Roots +-a1 of silu'': 2 - a tanh(a/2) = 0, and a1 - 2.
_SILU_A1 = (2.3993572805154675, 1.8464872855353363e-16)
_SILU_A1_MINUS_2 = (0.39935728051546765, 1.8115274859760153e-17)


def _silu_parts(x: Array, xp: Namespace, cheap: bool = False) -> dict[str, Any]:
    """The shared pieces of silu, f' and f'' from ``m = exp(-|x|)``."""
    a = -neg_abs(x, xp)  # |x|, with autodiff slope +1 at 0 (the x >= 0 branch)
    m, deep, scale = _exp_tail(-a, xp, cheap=cheap)
    ac = xp.clip(a, 0.0, 800.0)
    big, fix = _reciprocal(m, xp, cheap=cheap)
    return {"a": a, "ac": ac, "m": m, "big": big, "fix": fix, "deep": deep, "scale": scale}


def _silu_value(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    big = p["big"] + p["big"] * p["fix"]
    right = nonnegative(x, xp) * big
    left = _unscale(-(p["ac"] * p["m"]) * big, p["deep"], p["scale"], xp)
    return xp.where(x >= 0, right, left)


def _silu_slope(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    m, ac = p["m"], p["ac"]
    big2 = p["big"] * p["big"] * (1 + 2 * p["fix"])  # 1/(1+m)**2
    right = (1 + m * (1 + ac)) * big2
    # x < 0: f' = e/(1+e)**2 (1 + x + e), e = exp(x). Near the root x0 of 1 + x + e**x,
    # with d = x - x0: 1 + x + e**x = d + w expm1(d), w = e**x0, a sum of like signs.
    inside = (x > -2.5) & (x < -0.65)
    (x0, x0_lo), (w, w_lo) = _pair(_SILU_X0, x, xp), _pair(_SILU_W, x, xp)
    d = xp.where(inside, (x - x0) - x0_lo, xp.zeros_like(x))
    em = xp.expm1(d)
    near = d + (w * em + w_lo * em)
    g = xp.where(inside, near, (1 - ac) + m)
    left = _unscale(m * g * big2, p["deep"], p["scale"], xp)
    return xp.where(x >= 0, right, left)


def _silu_curvature(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    m, big, ac = p["m"], p["big"], p["ac"]
    big3 = big * big * big * (1 + 3 * p["fix"])  # 1/(1+m)**3
    # f'' = e/(1+e)**3 (2 - a + (2 + a) e), e = exp(-a), a = |x| (even). Near the root
    # a1, with d = a - a1: the bracket is (a1 - 2) expm1(-d) - d (1 - e), like signs.
    inside = (ac > 1.2) & (ac < 4.75)
    (a1, a1_lo), (c, c_lo) = _pair(_SILU_A1, x, xp), _pair(_SILU_A1_MINUS_2, x, xp)
    d = xp.where(inside, (ac - a1) - a1_lo, xp.zeros_like(x))
    em = xp.expm1(-d)
    near = (c * em + c_lo * em) - d * (1 - m)
    bracket = xp.where(inside, near, (2 - ac) + (2 + ac) * m)
    return _unscale(m * bracket * big3, p["deep"], p["scale"], xp)


@register("silu")
@dataclass(frozen=True, repr=False)
class SiLU(_FromPieces):
    r"""Sigmoid linear unit (swish): ``x * sigmoid(x)``.

    .. math::

        f(x) = x\,\sigma(x)

        f'(x) = \sigma(x)\,\bigl(1 + x\,\sigma(-x)\bigr)

        f''(x) = \sigma(x)\,\sigma(-x)\,\bigl(2 + x\,(\sigma(-x) - \sigma(x))\bigr)

    Notes
    -----
    Everything is built from ``e = exp(-|x|)``: ``f = x/(1+e)`` or ``x e/(1+e)``,
    ``f' = (1 + e(1+x))/(1+e)**2`` or ``e(1 + x + e)/(1+e)**2``, ``f'' = e(2 - |x| +
    (2 + |x|) e)/(1+e)**3``, so the tails keep full relative accuracy (silu'(-40) =
    -1.6e-16, not 0) and ``f(-inf) = -0.0`` (PyTorch and JAX give NaN). The roots of f'
    (x0 = -1.2785) and f'' (+-2.3994) are handled by exact identities in ``d = x - x0``
    (e.g. ``1 + x + e**x = d + e**x0 expm1(d)``), which add terms of one sign.

    References
    ----------
    Elfwing, Uchibe, Doya (2018), arXiv:1702.03118; Ramachandran, Zoph, Le (2017),
    "Searching for Activation Functions", arXiv:1710.05941; ``torch.nn.SiLU``.

    Examples
    --------
    >>> nl.silu([-40.0, 0.0, 1.0])
    array([-1.69934170e-16,  0.00000000e+00,  7.31058579e-01])
    """

    def traits(self) -> Traits:
        return Traits(
            range=(-0.27846454276107380, _INF), monotonic=False, smoothness=_INF, zero_centred=True
        )

    _pieces = staticmethod(_silu_parts)
    _value = staticmethod(_silu_value)
    _slope = staticmethod(_silu_slope)
    _curvature = staticmethod(_silu_curvature)


# --------------------------------------------------------------------------- mish


def _mish_parts(x: Array, xp: Namespace, cheap: bool = False) -> dict[str, Any]:
    """``m = exp(-|x|)`` (shifted where ``m**2`` would be subnormal) and the reciprocal
    of the denominator ``D``: ``1 + 2m(1+m)`` for x >= 0, ``2 + m(2+m)`` for x < 0,
    formed in double-double so that its powers do not multiply its rounding."""
    a = -neg_abs(x, xp)  # |x|, with autodiff slope +1 at 0 (the x >= 0 branch)
    exact32 = not (cheap or _is64(x, xp))  # float32 computed in float32: m is a pair
    m_lo: Array | float = 0.0
    if exact32:
        m, m_lo, deep, scale = _exp_tail_pair(-a, xp, squared=True)
    else:
        m, deep, scale = _exp_tail(-a, xp, squared=True, cheap=cheap)
    ac = xp.clip(a, 0.0, 800.0)
    right = x >= 0
    # right: D = 1 + (2m + 2m**2); left: D = 2 (1 + (m + m**2/2)).
    m2, m2_lo = m * m, 0.0  # m2_lo: m * m - m2, exactly where not cheap
    if cheap:
        r, fix = _reciprocal(m * xp.where(right, 2 + 2 * m, 1 + 0.5 * m), xp, cheap=True)
    else:
        sq, sq_err = two_product(m, m, xp)
        w, w_err = _two_sum(xp.where(right, 2 * m, m), xp.where(right, 2 * sq, 0.5 * sq))
        w_err = w_err + xp.where(right, 2 * sq_err, 0.5 * sq_err)
        m2_lo = sq_err
        if exact32:  # the low part of m in D
            w_err = w_err + xp.where(right, 2 + 4 * m, 1 + m) * m_lo
        r, fix = _reciprocal(w, xp, w_err)
    r = xp.where(right, r, 0.5 * r)  # 1/D = r (1 + fix)
    return {"a": a, "ac": ac, "m": m, "m_lo": m_lo, "m2": m2, "m2_lo": m2_lo, "r": r,
            "fix": fix, "right": right, "exact32": exact32, "cheap": cheap, "deep": deep,
            "scale": scale}  # fmt: skip


def _mish_value(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    m, m_lo, r, fix = p["m"], p["m_lo"], p["r"], p["fix"]  # 1/D = r (1 + fix)
    if p["exact32"]:  # pairs, rounded once
        rr = (r, r * fix)
        one, one_lo = _two_sum(xp.ones_like(m), 2 * m)  # 1 + 2m
        two, two_lo = _two_sum(_full(m, 2.0, xp), m)  # 2 + m
        xr = xp.clip(x, 0.0, 1e4)  # beyond, the factor is 1 (and x*4097 would overflow)
        right = _product(xp, (xr, 0.0), (one, one_lo + 2 * m_lo), rr)
        right = xp.where(x > 1e4, x, right)
        left = -_product(xp, (p["ac"], 0.0), (m, m_lo), (two, two_lo + m_lo), rr)
    else:
        r = _corrected(r, fix)
        right = nonnegative(x, xp) * ((1 + 2 * m) * r)
        left = -(p["ac"] * m) * ((m + 2) * r)
    return xp.where(p["right"], right, _unscale(left, p["deep"], p["scale"], xp))


def _mish_slope(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    m, ac, r, fix = p["m"], p["ac"], p["r"], p["fix"]
    # x < 0: m ((m + 2) D - 4|x| (1 + m)) / D**2, the bracket expanded in powers of m
    # so that it only cancels next to the root (4(1 - |x|) is exact there).
    bracket = 4 * (1 - ac) + (m * (6 - 4 * ac) + m * m * (4 + m))
    bracket = _near_root(x, _MISH_ROOT, bracket, xp)
    # x >= 0: T + x T' with T = (1 + 2m)/D, T' = 4 m**2 (1+m) / D**2 (like signs).
    if p["exact32"]:  # pairs, rounded once
        rr, m_lo = (r, r * fix), p["m_lo"]
        one, one_lo = _two_sum(xp.ones_like(m), 2 * m)  # 1 + 2m
        first, first_err = _product_pair(xp, (one, one_lo + 2 * m_lo), rr)
        second = ac * (4 * m * m * (1 + m)) * (r * r)
        right = first + (first_err + second)
        left = _product(xp, (m, m_lo), (bracket, 0.0), rr, rr)
    else:
        r2 = _corrected(r * r, 2 * fix)  # 1/D**2
        right = (1 + 2 * m) * _corrected(r, fix) + ac * (4 * m * m * (1 + m)) * r2
        left = m * bracket * r2
    return xp.where(p["right"], right, _unscale(left, p["deep"], p["scale"], xp))


def _mish_curvature(x: Array, xp: Namespace, p: dict[str, Any]) -> Array:
    m, m2, ac, deep, r, fix = p["m"], p["m2"], p["ac"], p["deep"], p["r"], p["fix"]
    # x >= 0: 4 m**2 (2(1+m)D - x(2 + 3m - 2m**2 - 2m**3)) / D**3, in powers of m.
    right_rest = m * (6 - 3 * ac) + m2 * ((8 + 2 * ac) + m * (4 + 2 * ac))
    right = (2 - 2 * ac) + right_rest
    # x < 0: 4 m (2(1+m)D - |x|(2 + 2m - 3m**2 - 2m**3)) / D**3, in powers of m.
    left_rest = m * (8 - 2 * ac) + m2 * ((6 + 3 * ac) + m * (2 + 2 * ac))
    left = (4 - 2 * ac) + left_rest
    if p["exact32"]:  # the brackets as pairs (with m's low part), one rounding in all
        m_lo, zero = p["m_lo"], xp.zeros_like(x)
        right, right_lo = _two_sum(2 - 2 * ac, right_rest)
        slope = (6 - 3 * ac) + m * (2 * (8 + 2 * ac) + 3 * m * (4 + 2 * ac))
        right_lo = xp.where(_inside(x, _MISH_ROOT2_RIGHT), zero, right_lo + slope * m_lo)
        left, left_lo = _two_sum(4 - 2 * ac, left_rest)
        slope = (8 - 2 * ac) + m * (2 * (6 + 3 * ac) + 3 * m * (2 + 2 * ac))
        left_lo = xp.where(_inside(x, _MISH_ROOT2_LEFT), zero, left_lo + slope * m_lo)
        right = _near_root(x, _MISH_ROOT2_RIGHT, right, xp)
        left = _near_root(x, _MISH_ROOT2_LEFT, left, xp)
        # m scaled by 2**40 (exactly) keeps every partial product of the exact products
        # far from the subnormals, which XLA flushes (m**2 reaches 1e-35 at |x| = 40).
        rr, mm = (r, r * fix), (m * 2.0**40, m_lo * 2.0**40)
        right = _product(xp, (right, right_lo), rr, rr, rr, mm, mm) * (4 * 2.0**-80)
        left = _product(xp, mm, (left, left_lo), rr, rr, rr) * (4 * 2.0**-40)
    else:
        right = _near_root(x, _MISH_ROOT2_RIGHT, right, xp)
        left = _near_root(x, _MISH_ROOT2_LEFT, left, xp)
        r3 = _corrected(r * r * r, 3 * fix)  # 1/D**3
        right, left = 4 * right * r3, 4 * m * left * r3
        # m**2 = m2 + m2_lo: the rounding of m * m is 1 of the 4 ulp otherwise.
        right = m2 * right if p["cheap"] else m2 * right + p["m2_lo"] * right
    right = _unscale(right, deep, p["scale"] ** 2, xp)
    left = _unscale(left, deep, p["scale"], xp)
    return xp.where(p["right"], right, left)


@register("mish")
@dataclass(frozen=True, repr=False)
class Mish(_FromPieces):
    r"""Mish: ``x * tanh(softplus(x))``.

    .. math::

        f(x) = x \tanh(s), \quad s = \log(1 + e^{x})

        f'(x) = \tanh(s) + x\,\sigma(x)\operatorname{sech}^2(s)

        f''(x) = \sigma(x) \operatorname{sech}^2(s) (2 + x (\sigma(-x) - 2 \sigma(x) \tanh s))

    Notes
    -----
    ``tanh(softplus(x)) = (e**2x + 2e**x)/(e**2x + 2e**x + 2)``, so with ``m =
    exp(-|x|)`` every quantity is a ratio of short polynomials in ``m`` (no overflow,
    no ``1 - tanh**2``): ``f(-inf) = -0.0`` (PyTorch and JAX give NaN), ``f''(20) =
    -6.5e-16`` (PyTorch: 0) and ``f''(710)`` is a tiny negative number (PyTorch: NaN).
    Near the root of f' (-1.19) and the two of f'' a fitted polynomial in the distance
    to the root replaces the cancelling formula.

    References
    ----------
    Misra (2019), "Mish: A Self Regularized Non-Monotonic Activation Function",
    arXiv:1908.08681; ``torch.nn.Mish``, ``jax.nn.mish``.

    Examples
    --------
    >>> nl.mish([-40.0, 0.0, 1.0])
    array([-1.69934170e-16,  0.00000000e+00,  8.65098388e-01])
    """

    def traits(self) -> Traits:
        return Traits(
            range=(-0.30884341301725041, _INF), monotonic=False, smoothness=_INF, zero_centred=True
        )

    _pieces = staticmethod(_mish_parts)
    _value = staticmethod(_mish_value)
    _slope = staticmethod(_mish_slope)
    _curvature = staticmethod(_mish_curvature)


# --------------------------------------------------------------------------- roots

# Fitted by a 50-digit mpmath script (Chebyshev interpolation of bracket/(x - x0) on the
# window). Windows: where the plain bracket's inexact terms exceed its value (1.3 times
# for gelu', whose terms are all inexact). The tanh form's f'' bracket is exact to
# rounding but for its correction P (1 - tanh) (see GELU._tanh_curvature): its window is
# where that correction exceeds half the bracket; one series on the former window,
# [0.45, 4.51], where q varies 15-fold, lost 7 ulp to its own rounding.
_GELU_ROOT = _Root(
    -0.7517915246935645,
    1.4956759177009883e-17,
    -2.63,
    -0.13,
    (
        0.5471608954208501,
        0.0748639320308098,
        0.01714077551425053,
        0.0036219413675375556,
        0.000715048960119656,
        0.00013307927531855973,
        2.3509300056904363e-05,
        3.963413340101419e-06,
        6.404683031084141e-07,
        9.956179006531239e-08,
        1.4933867571148857e-08,
        2.167003753221592e-09,
        3.0487642755515293e-10,
        4.1668667148086283e-11,
        5.541917312145122e-12,
        7.183465184164355e-13,
        9.086982784435006e-14,
        1.123170462924041e-14,
        1.3579674257882e-15,
        1.607623181312076e-16,
        1.86520175286149e-17,
    ),
)  # 21 Chebyshev terms, q in [0.486, 0.644]
_GELU_TANH_ROOT = _Root(
    -0.7524614220710163,
    3.635560509207687e-17,
    -0.86,
    -0.58,
    (
        2.4618415776612443,
        -0.010148528761546885,
        0.004005040827943081,
        5.5109586849214416e-05,
        1.560448558973996e-06,
        4.0616364701782654e-08,
        9.361150418191144e-10,
        2.0663093929615608e-11,
        4.491001255453964e-13,
        9.127718408279239e-15,
        1.7556986682615002e-16,
    ),
)  # 11 Chebyshev terms, q in [2.45, 2.48]
_GELU_TANH_ROOT2 = _Root(
    1.4185040087908283,
    8.089265124388305e-17,
    0.9,
    2.0,
    (
        -6.005579016480273,
        -2.1355066870357957,
        -0.2053298385210635,
        -0.014644299238145635,
        -0.0007104053339022289,
        -2.0189749374961748e-05,
        3.271394142250583e-06,
        1.1812102081462327e-07,
        -2.3167021741944476e-08,
        -3.279137356506566e-10,
        1.1354109249407261e-10,
        -5.239724914195381e-12,
        -1.7487882089117174e-13,
        9.405585583956464e-14,
        -3.559974472816046e-15,
        -9.05178311274899e-16,
        6.115841486433859e-17,
    ),
)  # 17 Chebyshev terms, q in [-8.36, -4.06]
_MISH_ROOT = _Root(
    -1.1924312145154952,
    -4.8484829848031044e-17,
    -1.3,
    -0.98,
    (
        6.547932412549577,
        0.38630793608824415,
        0.01770662794493357,
        0.0006206888771868533,
        1.8786287959000133e-05,
        5.228898018107515e-07,
        1.3711031242038056e-08,
        3.3973297993171114e-10,
        7.923770340209336e-12,
        1.732929330271242e-13,
        3.5464638286375182e-15,
        6.789019116786921e-17,
    ),
)  # 12 Chebyshev terms, q in [6.18, 6.95]
_MISH_ROOT2_LEFT = _Root(
    -2.256376396360793,
    -1.0703174875019247e-16,
    -2.42,
    -1.99,
    (
        2.8830005897452304,
        0.14408070325208464,
        0.007622042032769365,
        0.00030418142313621134,
        9.901159241070063e-06,
        2.723573003775348e-07,
        6.285062817896911e-09,
        1.1061071536937432e-10,
        7.468431519809907e-13,
        -4.997543199627067e-14,
        -3.2224329298659363e-15,
        -1.2883887374549096e-16,
    ),
)  # 12 Chebyshev terms, q in [2.75, 3.03]
_MISH_ROOT2_RIGHT = _Root(
    1.4905711794854284,
    7.126036715834263e-17,
    0.98,
    1.67,
    (
        -4.713833173260348,
        0.8807033339176531,
        -0.09048902243029024,
        0.007093870074818538,
        -0.0004615818732623289,
        2.5738553029234223e-05,
        -1.2254688588315486e-06,
        4.77005222576993e-08,
        -1.2986283312168388e-09,
        2.683306598442817e-12,
        2.6543781327238975e-12,
        -2.286740303726675e-13,
        1.3536533852399124e-14,
        -6.623849192428038e-16,
        2.8419442709165634e-17,
    ),
)  # 15 Chebyshev terms, q in [3.92, 5.69]

softplus = Softplus()
squareplus = Squareplus()
gelu = GELU()
silu = SiLU()
swish = silu
mish = Mish()
